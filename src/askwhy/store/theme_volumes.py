"""How much each theme is spoken of in a selection: counts, ranking, and who mentions which theme."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from askwhy.store.analysis_tables import ResponseAnalysis, Sentence, Theme, ThemeMention
from askwhy.store.response_filters import Restrict
from askwhy.store.tables import Response


@dataclass(frozen=True)
class ThemeCount:
    """One theme's volume and feeling in a selection."""

    mentions: int
    """Sentences that speak of the theme."""
    responses: int
    sentiment: float | None
    """Mean sentiment score of those sentences."""
    positive: int
    negative: int


@dataclass(frozen=True)
class MentionFeeling:
    """A response mentions a theme in a sentence with this sentiment score."""

    response_id: str
    theme_id: str
    sentiment: float


def theme_counts(
    *, session: Session, restrict: Restrict, theme_ids: Collection[str] | None = None
) -> dict[str, ThemeCount]:
    """Theme id → its counts in the selection, for the themes given (every mentioned theme by default)."""
    query = _counting(select(ThemeMention.theme_id)).group_by(ThemeMention.theme_id)
    if theme_ids is not None:
        query = query.where(ThemeMention.theme_id.in_(list(theme_ids)))
    return {row.theme_id: _count(row) for row in session.execute(restrict(query))}


def theme_counts_split(
    *, session: Session, restrict: Restrict, split_at: datetime
) -> tuple[dict[str, ThemeCount], dict[str, ThemeCount]]:
    """Every mentioned theme's counts before ``split_at`` and from it on, in one grouped query (two
    windows side by side: give a ``restrict`` that spans both)."""
    later = (Response.responded_at >= split_at).label("later")
    query = _counting(select(ThemeMention.theme_id, later)).group_by(ThemeMention.theme_id, later)
    before: dict[str, ThemeCount] = {}
    after: dict[str, ThemeCount] = {}
    for row in session.execute(restrict(query)):
        (after if row.later else before)[row.theme_id] = _count(row)
    return before, after


def enriched_count(*, session: Session, restrict: Restrict) -> int:
    """Analysed responses in the selection: the denominator of a theme's share."""
    query = select(func.count()).select_from(ResponseAnalysis).join(Response)
    return int(session.scalar(restrict(query)) or 0)


def enriched_counts_split(*, session: Session, restrict: Restrict, split_at: datetime) -> tuple[int, int]:
    """Analysed responses before ``split_at`` and from it on, in one query."""
    later = case((Response.responded_at >= split_at, 1), else_=0)
    query = select(func.count(), func.sum(later)).select_from(ResponseAnalysis).join(Response)
    total, after = session.execute(restrict(query)).one()
    return int(total or 0) - int(after or 0), int(after or 0)


def _counting(query: Select[Any]) -> Select[Any]:
    """``query`` with a theme's volume and feeling added, over mentions joined to their sentence and
    response (group it by the theme)."""
    return (
        query.add_columns(
            func.count().label("mentions"),
            func.count(func.distinct(ThemeMention.response_id)).label("responses"),
            func.avg(Sentence.sentiment_score).label("sentiment"),
            func.sum(case((ThemeMention.polarity > 0, 1), else_=0)).label("positive"),
            func.sum(case((ThemeMention.polarity < 0, 1), else_=0)).label("negative"),
        )
        .select_from(ThemeMention)
        .join(Sentence, Sentence.id == ThemeMention.sentence_id)
        .join(Response, Response.id == ThemeMention.response_id)
    )


def _count(row: Row[Any]) -> ThemeCount:
    return ThemeCount(
        mentions=int(row.mentions or 0),
        responses=int(row.responses or 0),
        sentiment=None if row.sentiment is None else float(row.sentiment),
        positive=int(row.positive or 0),
        negative=int(row.negative or 0),
    )


def most_mentioned_themes(
    *, session: Session, restrict: Restrict, limit: int | None = None
) -> list[tuple[str, str]]:
    """(id, label) of the live top-level themes the selection mentions, most mentioned first.

    A discovered subtheme counts only where its parent is not coded itself: its sentences already
    count for that parent."""
    parent = aliased(ThemeMention)
    query = restrict(
        select(Theme.id, Theme.label)
        .join(ThemeMention, ThemeMention.theme_id == Theme.id)
        .join(Response, Response.id == ThemeMention.response_id)
        .where(
            Theme.status != "merged",
            (Theme.parent_id.is_(None)) | ~exists().where(parent.theme_id == Theme.parent_id),
        )
        .group_by(Theme.id, Theme.label)
        .order_by(func.count().desc(), Theme.id)
    )
    return [(theme_id, label) for theme_id, label in session.execute(query.limit(limit) if limit else query)]


def any_live_theme(*, session: Session) -> bool:
    """True when the codebook holds a theme that was not merged away."""
    return session.scalar(select(Theme.id).where(Theme.status != "merged").limit(1)) is not None


def themes_oldest_first(*, session: Session) -> list[Theme]:
    """Every theme of the codebook, merged ones too, in the order they were made."""
    return list(session.scalars(select(Theme).order_by(Theme.created_at, Theme.id)))


def mention_feelings(
    *, session: Session, theme_ids: Collection[str], restrict: Restrict | None = None
) -> list[MentionFeeling]:
    """Every mention of the themes given, with the sentiment of the sentence that makes it; only
    those of the responses ``restrict`` keeps when given."""
    if not theme_ids:
        return []
    columns = (ThemeMention.response_id, ThemeMention.theme_id, Sentence.sentiment_score)
    if restrict is None:
        query = (
            select(*columns)
            .join(Sentence, Sentence.id == ThemeMention.sentence_id)
            .where(ThemeMention.theme_id.in_(list(theme_ids)))
        )
        return [MentionFeeling(r, t, float(s)) for r, t, s in session.execute(query)]
    # Driven from the selection's responses (their program and time index), the themes kept in
    # Python: with the themes in SQL, SQLite would read every mention of them and then the dates.
    query = restrict(
        select(*columns)
        .select_from(Response)
        .join(ThemeMention, ThemeMention.response_id == Response.id)
        .join(Sentence, Sentence.id == ThemeMention.sentence_id)
    )
    wanted = set(theme_ids)
    return [MentionFeeling(r, t, float(s)) for r, t, s in session.execute(query) if t in wanted]


def mentioning_responses(*, session: Session, theme_ids: Collection[str]) -> list[tuple[str, str]]:
    """(response id, theme id) for every mention of the themes given."""
    if not theme_ids:
        return []
    query = select(ThemeMention.response_id, ThemeMention.theme_id).where(
        ThemeMention.theme_id.in_(list(theme_ids))
    )
    return [(response_id, theme_id) for response_id, theme_id in session.execute(query)]
