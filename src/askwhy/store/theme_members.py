"""What discovery needs to know of the codebook as it stands: its live themes and their sentences."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.tables import Response

LIVE = ("proposed", "accepted")
"""Themes a re-run may find again; merged ones live on only as pointers to the theme they joined."""


@dataclass(frozen=True)
class LiveTheme:
    id: str
    label: str
    parent_id: str | None
    centroid: bytes | None
    texts: frozenset[str]
    """The texts of the sentences coded with it."""


def live_themes(*, session: Session) -> list[LiveTheme]:
    """Every proposed or accepted theme with the texts of its sentences, by id."""
    themes = list(
        session.execute(
            select(Theme.id, Theme.label, Theme.parent_id, Theme.centroid)
            .where(Theme.status.in_(LIVE))
            .order_by(Theme.id)
        )
    )
    texts: dict[str, set[str]] = defaultdict(set)
    rows = session.execute(
        select(ThemeMention.theme_id, Sentence.text)
        .join(Sentence, Sentence.id == ThemeMention.sentence_id)
        .join(Theme, Theme.id == ThemeMention.theme_id)
        .where(Theme.status.in_(LIVE))
        .execution_options(yield_per=5000)
    )
    for theme_id, text in rows:
        texts[theme_id].add(text)
    return [LiveTheme(t.id, t.label, t.parent_id, t.centroid, frozenset(texts.get(t.id, ()))) for t in themes]


def discovery_sentences(*, session: Session, include_simulated: bool) -> list[Any]:
    """Every sentence discovery clusters: the pool and those already themed (the context that lets a
    re-run find the same themes), in id order; simulated responses' only with ``include_simulated``."""
    query = select(
        Sentence.id,
        Sentence.response_id,
        Sentence.text,
        Sentence.sentiment,
        Sentence.sentiment_score,
        Sentence.embedding,
        Sentence.theme_state,
    ).where(Sentence.theme_state.in_(("pool", "themed")))
    if not include_simulated:
        query = query.join(Response, Response.id == Sentence.response_id).where(Response.simulated.is_(False))
    return list(session.execute(query.order_by(Sentence.id)))
