"""Scored responses counted by pattern: (score, which of some themes they mention) → how many.

Driver and change analysis read a response only through its score and the set of themes it
mentions, so one grouped query answers them with a few thousand rows instead of every response and
mention of a selection. The set of themes travels as bit masks: theme i of the list is bit i of
mask i // 60, summed over the response's distinct mentions (a theme mentioned twice counts once,
by ``sum(DISTINCT ...)``), which SQLite and PostgreSQL both compute.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, distinct, func, literal, select
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import Sentence, ThemeMention
from askwhy.store.day_counting import utc_day
from askwhy.store.response_filters import Restrict
from askwhy.store.tables import Response

BITS = 60
"""Themes per mask: a sum of distinct powers of two below 2**60 stays within a signed 64-bit integer."""


@dataclass(frozen=True)
class ScorePattern:
    """How many responses of the selection gave ``score`` and mention exactly ``themes``."""

    score: int
    themes: frozenset[str]
    responses: int


@dataclass(frozen=True)
class ThemeFeeling:
    """A theme's sentiment over the responses mentioning it, each response once (its sentences'
    mean on the theme): ``total`` / ``responses`` is the theme's mean sentiment."""

    total: float
    responses: int


def score_patterns(
    *, session: Session, restrict: Restrict, metric: str, theme_ids: Sequence[str]
) -> list[ScorePattern]:
    """The selection's responses scored on ``metric``, counted by score and by which of
    ``theme_ids`` they mention (responses that mention none of them included)."""
    return [pattern for _, pattern in _counted(session, restrict, metric, theme_ids, per_day=False)]


def score_patterns_per_day(
    *, session: Session, restrict: Restrict, metric: str, theme_ids: Sequence[str], few_days: bool = False
) -> dict[date, list[ScorePattern]]:
    """`score_patterns` for each UTC day the selection's scored responses were given on.
    ``few_days`` says the selection spans a few days only: its responses are then found by time
    rather than through the (program, metric, id) index, which holds every day of the program."""
    found: dict[date, list[ScorePattern]] = defaultdict(list)
    for day, pattern in _counted(session, restrict, metric, theme_ids, per_day=True, by_time=few_days):
        found[_day(day)].append(pattern)
    return dict(found)


def _counted(
    session: Session,
    restrict: Restrict,
    metric: str,
    theme_ids: Sequence[str],
    *,
    per_day: bool,
    by_time: bool = False,
) -> list[tuple[Any, ScorePattern]]:
    chunks = [list(theme_ids[i : i + BITS]) for i in range(0, len(theme_ids), BITS)]
    masks = [_mask(chunk).label(f"mask{i}") for i, chunk in enumerate(chunks)]
    day = utc_day(session.get_bind().dialect.name) if per_day else literal(None)
    # Joined on the response alone, other themes adding 0: each response's themes then come from one
    # range of the (response, theme) index; naming the themes in the join makes SQLite probe the
    # index once per theme and response.
    per_response = (
        restrict(
            select(day.label("day"), Response.score.label("score"), *masks)
            .select_from(Response)
            .outerjoin(ThemeMention, ThemeMention.response_id == Response.id)
            .where(_metric_is(metric, by_time=by_time), Response.score.is_not(None))
        )
        .group_by(Response.id)
        .subquery()
    )
    keys = [per_response.c.score, *(per_response.c[f"mask{i}"] for i in range(len(chunks)))]
    if per_day:
        keys.insert(0, per_response.c.day)
    rows = session.execute(select(*keys, func.count()).group_by(*keys))
    first = 1 if per_day else 0
    return [
        (
            row[0] if per_day else None,
            ScorePattern(
                int(row[first]), _themes(chunks, [int(m or 0) for m in row[first + 1 : -1]]), int(row[-1])
            ),
        )
        for row in rows
    ]


def _metric_is(metric: str, *, by_time: bool) -> ColumnElement[bool]:
    """The metric's condition; ``by_time`` wraps the column so no index on it is chosen, leaving
    the one on (program, responded_at) to find a few days' responses."""
    return (func.coalesce(Response.metric, "") if by_time else Response.metric) == metric


def _day(value: date | str) -> date:
    """A date computed in SQL comes back as text on SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def theme_feelings(
    *, session: Session, restrict: Restrict, metric: str, theme_ids: Sequence[str]
) -> dict[str, ThemeFeeling]:
    """Theme id → its sentiment over the selection's responses scored on ``metric`` that mention it."""
    if not theme_ids:
        return {}
    per_response = (
        restrict(
            select(
                ThemeMention.theme_id.label("theme_id"), func.avg(Sentence.sentiment_score).label("feeling")
            )
            .select_from(Response)
            .join(ThemeMention, ThemeMention.response_id == Response.id)
            .join(Sentence, Sentence.id == ThemeMention.sentence_id)
            .where(
                Response.metric == metric,
                Response.score.is_not(None),
                ThemeMention.theme_id.in_(list(theme_ids)),
            )
        )
        .group_by(ThemeMention.response_id, ThemeMention.theme_id)
        .subquery()
    )
    query = select(per_response.c.theme_id, func.sum(per_response.c.feeling), func.count()).group_by(
        per_response.c.theme_id
    )
    return {theme_id: ThemeFeeling(float(total), int(n)) for theme_id, total, n in session.execute(query)}


def _mask(chunk: list[str]) -> ColumnElement[Any]:
    bit = case(
        {theme_id: literal(1 << i, BigInteger) for i, theme_id in enumerate(chunk)},
        value=ThemeMention.theme_id,
        else_=literal(0, BigInteger),
    )
    return func.coalesce(func.sum(distinct(bit)), 0)


def _themes(chunks: list[list[str]], masks: list[int]) -> frozenset[str]:
    return frozenset(
        theme_id
        for chunk, mask in zip(chunks, masks, strict=True)
        for i, theme_id in enumerate(chunk)
        if mask >> i & 1
    )
