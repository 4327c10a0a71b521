"""Reading the day tallies: the workspace's counts of a selection summed over its cells.

A selection the tallies can answer names at most a program, a channel, a language, whole UTC
days and whether simulated responses count (`Cells`); segment values are not tallied, so a
selection with them is counted from the responses (`store.theme_volumes`, `store.overview_scores`).
The cells a write marked stale and the recount has not reached yet are counted from their rows
in the same statement (`current`), so every function here answers exactly what its counterpart
over the responses answers, recounted or not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, case, exists, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from askwhy.store.analysis_tables import Theme, ThemeMention
from askwhy.store.day_counting import CellKey, counting, rows_of, same_cell
from askwhy.store.day_tally_tables import ResponseDay, ScoreDay, StaleDayCell, ThemeDay
from askwhy.store.theme_volumes import ThemeCount


@dataclass(frozen=True)
class Cells:
    """The cells of a selection: None means any; ``until`` is exclusive."""

    program: str | None = None
    channel: str | None = None
    language: str | None = None
    since: date | None = None
    until: date | None = None
    include_simulated: bool = False
    stale: tuple[CellKey, ...] = ()
    """Cells among these that wait to be recounted: counted from their rows (`current`)."""

    def holds(self, key: CellKey) -> bool:
        """Whether the cell ``key`` is one of these."""
        return (
            (self.include_simulated or not key.simulated)
            and all(
                getattr(self, name) in (None, getattr(key, name))
                for name in ("program", "channel", "language")
            )
            and (self.since is None or key.day >= self.since)
            and (self.until is None or key.day < self.until)
        )

    def where(self, table: Any) -> list[ColumnElement[bool]]:
        """The conditions that keep ``table``'s rows of these cells."""
        conditions: list[ColumnElement[bool]] = []
        if not self.include_simulated:
            conditions.append(table.simulated.is_(False))
        for name in ("program", "channel", "language"):
            if (value := getattr(self, name)) is not None:
                conditions.append(getattr(table, name) == value)
        if self.since is not None:
            conditions.append(table.day >= self.since)
        if self.until is not None:
            conditions.append(table.day < self.until)
        return conditions


@dataclass(frozen=True)
class DayTotals:
    """Responses of the cells: how many, completed, analysed, and the newest given."""

    responses: int
    completed: int
    analysed: int
    newest: datetime | None


STALE_READ_AT_MOST = 200
"""Stale cells a read counts from their rows at most; past that (a bulk load not yet recounted)
the selection is counted from the responses whole."""


def with_stale(*, session: Session, cells: Cells) -> Cells | None:
    """``cells`` knowing which of them wait to be recounted, or None when more than
    `STALE_READ_AT_MOST` do."""
    query = select(
        StaleDayCell.program,
        StaleDayCell.day,
        StaleDayCell.channel,
        StaleDayCell.language,
        StaleDayCell.simulated,
    ).where(*cells.where(StaleDayCell))
    stale = [CellKey(*row) for row in session.execute(query.limit(STALE_READ_AT_MOST + 1))]
    if len(stale) > STALE_READ_AT_MOST:
        return None
    return replace(cells, stale=tuple(stale))


def among(cells: Cells, *, stale: tuple[CellKey, ...]) -> Cells:
    """``cells`` knowing which of ``stale`` (found for a wider selection) are theirs."""
    mine = tuple(key for key in stale if cells.holds(key))
    return replace(cells, stale=mine)


def current(*, session: Session, table: Any, cells: Cells) -> Any:
    """``table`` as it stands now: its rows, except those of stale cells, which are counted from the
    responses in the same statement (one snapshot), so the sum is exact before any recount."""
    if not cells.stale:
        return table
    kept = select(*table.__table__.columns).where(~or_(*(same_cell(table, key) for key in cells.stale)))
    counted = counting(table, dialect=session.get_bind().dialect.name).where(
        or_(*(rows_of(key) for key in cells.stale))
    )
    return aliased(table, union_all(kept, counted).subquery(), adapt_on_names=True)


def totals(*, session: Session, cells: Cells) -> DayTotals:
    """`overview_counts.response_totals` without the last change, from the tallies."""
    response_days = current(session=session, table=ResponseDay, cells=cells)
    query = select(
        func.sum(response_days.responses),
        func.sum(response_days.completed),
        func.sum(response_days.analysed),
        func.max(response_days.newest),
    ).where(*cells.where(response_days))
    responses, completed, analysed, newest = session.execute(query).one()
    return DayTotals(int(responses or 0), int(completed or 0), int(analysed or 0), _aware(newest))


def simulated_count(*, session: Session, cells: Cells) -> int:
    """Simulated responses of the cells."""
    response_days = current(session=session, table=ResponseDay, cells=cells)
    query = select(func.sum(response_days.responses)).where(
        *cells.where(response_days), response_days.simulated.is_(True)
    )
    return int(session.scalar(query) or 0)


def analysed_count(*, session: Session, cells: Cells) -> int:
    """Analysed responses of the cells: the denominator of a theme's share."""
    response_days = current(session=session, table=ResponseDay, cells=cells)
    query = select(func.sum(response_days.analysed)).where(*cells.where(response_days))
    return int(session.scalar(query) or 0)


def analysed_counts_split(*, session: Session, cells: Cells, split_at: date) -> tuple[int, int]:
    """Analysed responses of the cells before ``split_at`` and from it on."""
    response_days = current(session=session, table=ResponseDay, cells=cells)
    later = case((response_days.day >= split_at, response_days.analysed), else_=0)
    query = select(func.sum(response_days.analysed), func.sum(later)).where(*cells.where(response_days))
    total, after = session.execute(query).one()
    return int(total or 0) - int(after or 0), int(after or 0)


def analysed_per_day(*, session: Session, cells: Cells) -> dict[date, int]:
    """Analysed responses per UTC day, days without any left out."""
    response_days = current(session=session, table=ResponseDay, cells=cells)
    query = (
        select(response_days.day, func.sum(response_days.analysed))
        .where(*cells.where(response_days), response_days.analysed > 0)
        .group_by(response_days.day)
    )
    return {day: int(n) for day, n in session.execute(query)}


def latest_analysed(*, session: Session, cells: Cells) -> datetime | None:
    """When the newest analysed response of the cells was given."""
    response_days = current(session=session, table=ResponseDay, cells=cells)
    query = select(func.max(response_days.newest_analysed)).where(*cells.where(response_days))
    return _aware(session.scalar(query))


def score_counts(*, session: Session, cells: Cells, metrics: Collection[str]) -> dict[str, int]:
    """Metric name → scored responses of the cells, for the metrics named."""
    score_days = current(session=session, table=ScoreDay, cells=cells)
    query = (
        select(score_days.metric, func.sum(score_days.responses))
        .where(*cells.where(score_days), score_days.metric.in_(list(metrics)))
        .group_by(score_days.metric)
    )
    return {metric: int(n) for metric, n in session.execute(query) if n}


def daily_score_histograms(*, session: Session, cells: Cells, metric: str) -> dict[date, Counter[int]]:
    """UTC day → score → responses scored on ``metric``, oldest day first."""
    score_days = current(session=session, table=ScoreDay, cells=cells)
    query = (
        select(score_days.day, score_days.score, func.sum(score_days.responses))
        .where(*cells.where(score_days), score_days.metric == metric)
        .group_by(score_days.day, score_days.score)
    )
    days: dict[date, Counter[int]] = defaultdict(Counter)
    for day, score, n in session.execute(query):
        days[day][int(score)] += int(n)
    return dict(sorted(days.items()))


def theme_counts(
    *, session: Session, cells: Cells, theme_ids: Collection[str] | None = None
) -> dict[str, ThemeCount]:
    """Theme id → its counts in the cells, for the themes given (every mentioned theme by default)."""
    theme_days = current(session=session, table=ThemeDay, cells=cells)
    query = (
        _counting(select(theme_days.theme_id), theme_days)
        .where(*cells.where(theme_days))
        .group_by(theme_days.theme_id)
    )
    if theme_ids is not None:
        query = query.where(theme_days.theme_id.in_(list(theme_ids)))
    return {row.theme_id: _count(row) for row in session.execute(query)}


def theme_counts_split(
    *, session: Session, cells: Cells, split_at: date
) -> tuple[dict[str, ThemeCount], dict[str, ThemeCount]]:
    """Every mentioned theme's counts before ``split_at`` and from it on."""
    theme_days = current(session=session, table=ThemeDay, cells=cells)
    later = (theme_days.day >= split_at).label("later")
    query = (
        _counting(select(theme_days.theme_id, later), theme_days)
        .where(*cells.where(theme_days))
        .group_by(theme_days.theme_id, later)
    )
    before: dict[str, ThemeCount] = {}
    after: dict[str, ThemeCount] = {}
    for row in session.execute(query):
        (after if row.later else before)[row.theme_id] = _count(row)
    return before, after


def theme_responses_per_day(*, session: Session, cells: Cells, theme_id: str) -> dict[date, int]:
    """Responses per UTC day with at least one sentence in the theme."""
    theme_days = current(session=session, table=ThemeDay, cells=cells)
    query = (
        select(theme_days.day, func.sum(theme_days.responses))
        .where(*cells.where(theme_days), theme_days.theme_id == theme_id)
        .group_by(theme_days.day)
    )
    return {day: int(n) for day, n in session.execute(query)}


def _counting(query: Any, theme_days: Any) -> Any:
    return query.add_columns(
        func.sum(theme_days.mentions).label("mentions"),
        func.sum(theme_days.responses).label("responses"),
        func.sum(theme_days.sentiment_sum).label("sentiment_sum"),
        func.sum(theme_days.sentiment_n).label("sentiment_n"),
        func.sum(theme_days.positive).label("positive"),
        func.sum(theme_days.negative).label("negative"),
    )


def _count(row: Row[Any]) -> ThemeCount:
    scored = int(row.sentiment_n or 0)
    return ThemeCount(
        mentions=int(row.mentions or 0),
        responses=int(row.responses or 0),
        sentiment=float(row.sentiment_sum) / scored if scored else None,
        positive=int(row.positive or 0),
        negative=int(row.negative or 0),
    )


def _aware(value: datetime | str | None) -> datetime | None:
    """An aggregate over a date-time column comes back as text on SQLite (the type is lost)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def most_mentioned_themes(*, session: Session, cells: Cells, limit: int | None) -> list[tuple[str, str]]:
    """`theme_volumes.most_mentioned_themes` from the tallies: (id, label) of the live top-level
    themes the cells mention, most mentions first; a discovered subtheme only where its parent is
    not coded itself."""
    theme_days = current(session=session, table=ThemeDay, cells=cells)
    parent = aliased(ThemeMention)
    mentions = func.sum(theme_days.mentions)
    counted = (
        select(theme_days.theme_id, mentions.label("mentions"))
        .where(*cells.where(theme_days))
        .group_by(theme_days.theme_id)
        .having(mentions > 0)
        .subquery()
    )
    query = (
        select(Theme.id, Theme.label)
        .join(counted, counted.c.theme_id == Theme.id)
        .where(
            Theme.status != "merged",
            (Theme.parent_id.is_(None)) | ~exists().where(parent.theme_id == Theme.parent_id),
        )
        .order_by(counted.c.mentions.desc(), Theme.id)
    )
    rows = session.execute(query.limit(limit) if limit else query)
    return [(theme_id, label) for theme_id, label in rows]


def responses_per_program(*, session: Session, cells: Cells) -> dict[str, tuple[int, int]]:
    """Program → (real, simulated) responses, for every program that has any."""
    response_days = current(session=session, table=ResponseDay, cells=cells)
    query = select(
        response_days.program, response_days.simulated, func.sum(response_days.responses)
    ).group_by(response_days.program, response_days.simulated)
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for program, simulated, n in session.execute(query):
        found[program][1 if simulated else 0] += int(n or 0)
    return {program: (real, sims) for program, (real, sims) in found.items() if real or sims}
