"""The sentences that show a theme, and its live subthemes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.response_filters import Restrict
from askwhy.store.tables import Response


@dataclass(frozen=True)
class QuoteCandidate:
    """A sentence coded with a theme, how close it is to the theme, and when it was said."""

    sentence: Sentence
    similarity: float
    responded_at: datetime


def quote_candidates(
    *, session: Session, restrict: Restrict, theme_id: str, examples: Collection[int], limit: int
) -> list[QuoteCandidate]:
    """Up to ``limit`` sentences of the selection coded with the theme: the chosen examples first,
    then the closest to the theme.

    The closest are read walking the (theme, similarity) index from the top and stop at ``limit``
    of the selection, so a theme with 20,000 mentions costs a few rows, not a sort of them all."""
    chosen = list(examples)
    found: list[Row[tuple[float, Sentence, datetime]]] = []
    if chosen:
        found += session.execute(
            restrict(_closest(theme_id).where(Sentence.id.in_(chosen))).limit(limit)
        ).all()
    if len(found) < limit:
        rest = _closest(theme_id)
        if found:
            rest = rest.where(Sentence.id.not_in([sentence.id for _, sentence, _ in found]))
        found += session.execute(restrict(rest).limit(limit - len(found))).all()
    return [QuoteCandidate(sentence, float(similarity), when) for similarity, sentence, when in found]


def _closest(theme_id: str) -> Select[tuple[float, Sentence, datetime]]:
    return (
        select(ThemeMention.similarity, Sentence, Response.responded_at)
        .join(Sentence, Sentence.id == ThemeMention.sentence_id)
        .join(Response, Response.id == ThemeMention.response_id)
        .where(ThemeMention.theme_id == theme_id)
        .order_by(ThemeMention.similarity.desc())
    )


def live_subthemes(*, session: Session, theme_id: str) -> list[Theme]:
    """The theme's children that were not merged away."""
    query = select(Theme).where(Theme.parent_id == theme_id, Theme.status != "merged")
    return list(session.scalars(query))
