"""Reading the day tallies: the workspace's counts of a selection summed over its cells.

A selection the tallies can answer names at most a program, a channel, a language, whole UTC
days and whether simulated responses count (`Cells`); segment values are not tallied, so a
selection with them is counted from the responses (`store.theme_volumes`, `store.overview_scores`).
Every function here answers exactly what its counterpart over the responses answers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from askwhy.store.analysis_tables import Theme, ThemeMention
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


def settled(*, session: Session, program: str | None) -> bool:
    """True when no cell of ``program`` (of any program for None) waits to be recounted: rows
    written outside a session (a bulk load) leave their cells stale until the next write."""
    query = select(StaleDayCell.program).limit(1)
    if program is not None:
        query = query.where(StaleDayCell.program == program)
    return session.scalar(query) is None


def totals(*, session: Session, cells: Cells) -> DayTotals:
    """`overview_counts.response_totals` without the last change, from the tallies."""
    query = select(
        func.sum(ResponseDay.responses),
        func.sum(ResponseDay.completed),
        func.sum(ResponseDay.analysed),
        func.max(ResponseDay.newest),
    ).where(*cells.where(ResponseDay))
    responses, completed, analysed, newest = session.execute(query).one()
    return DayTotals(int(responses or 0), int(completed or 0), int(analysed or 0), _aware(newest))


def simulated_count(*, session: Session, cells: Cells) -> int:
    """Simulated responses of the cells."""
    query = select(func.sum(ResponseDay.responses)).where(
        *cells.where(ResponseDay), ResponseDay.simulated.is_(True)
    )
    return int(session.scalar(query) or 0)


def analysed_count(*, session: Session, cells: Cells) -> int:
    """Analysed responses of the cells: the denominator of a theme's share."""
    query = select(func.sum(ResponseDay.analysed)).where(*cells.where(ResponseDay))
    return int(session.scalar(query) or 0)


def analysed_counts_split(*, session: Session, cells: Cells, split_at: date) -> tuple[int, int]:
    """Analysed responses of the cells before ``split_at`` and from it on."""
    later = case((ResponseDay.day >= split_at, ResponseDay.analysed), else_=0)
    query = select(func.sum(ResponseDay.analysed), func.sum(later)).where(*cells.where(ResponseDay))
    total, after = session.execute(query).one()
    return int(total or 0) - int(after or 0), int(after or 0)


def analysed_per_day(*, session: Session, cells: Cells) -> dict[date, int]:
    """Analysed responses per UTC day, days without any left out."""
    query = (
        select(ResponseDay.day, func.sum(ResponseDay.analysed))
        .where(*cells.where(ResponseDay), ResponseDay.analysed > 0)
        .group_by(ResponseDay.day)
    )
    return {day: int(n) for day, n in session.execute(query)}


def latest_analysed(*, session: Session, cells: Cells) -> datetime | None:
    """When the newest analysed response of the cells was given."""
    query = select(func.max(ResponseDay.newest_analysed)).where(*cells.where(ResponseDay))
    return _aware(session.scalar(query))


def score_counts(*, session: Session, cells: Cells, metrics: Collection[str]) -> dict[str, int]:
    """Metric name → scored responses of the cells, for the metrics named."""
    query = (
        select(ScoreDay.metric, func.sum(ScoreDay.responses))
        .where(*cells.where(ScoreDay), ScoreDay.metric.in_(list(metrics)))
        .group_by(ScoreDay.metric)
    )
    return {metric: int(n) for metric, n in session.execute(query) if n}


def daily_score_histograms(*, session: Session, cells: Cells, metric: str) -> dict[date, Counter[int]]:
    """UTC day → score → responses scored on ``metric``, oldest day first."""
    query = (
        select(ScoreDay.day, ScoreDay.score, func.sum(ScoreDay.responses))
        .where(*cells.where(ScoreDay), ScoreDay.metric == metric)
        .group_by(ScoreDay.day, ScoreDay.score)
    )
    days: dict[date, Counter[int]] = defaultdict(Counter)
    for day, score, n in session.execute(query):
        days[day][int(score)] += int(n)
    return dict(sorted(days.items()))


def theme_counts(
    *, session: Session, cells: Cells, theme_ids: Collection[str] | None = None
) -> dict[str, ThemeCount]:
    """Theme id → its counts in the cells, for the themes given (every mentioned theme by default)."""
    query = _counting(select(ThemeDay.theme_id)).where(*cells.where(ThemeDay)).group_by(ThemeDay.theme_id)
    if theme_ids is not None:
        query = query.where(ThemeDay.theme_id.in_(list(theme_ids)))
    return {row.theme_id: _count(row) for row in session.execute(query)}


def theme_counts_split(
    *, session: Session, cells: Cells, split_at: date
) -> tuple[dict[str, ThemeCount], dict[str, ThemeCount]]:
    """Every mentioned theme's counts before ``split_at`` and from it on."""
    later = (ThemeDay.day >= split_at).label("later")
    query = (
        _counting(select(ThemeDay.theme_id, later))
        .where(*cells.where(ThemeDay))
        .group_by(ThemeDay.theme_id, later)
    )
    before: dict[str, ThemeCount] = {}
    after: dict[str, ThemeCount] = {}
    for row in session.execute(query):
        (after if row.later else before)[row.theme_id] = _count(row)
    return before, after


def theme_responses_per_day(*, session: Session, cells: Cells, theme_id: str) -> dict[date, int]:
    """Responses per UTC day with at least one sentence in the theme."""
    query = (
        select(ThemeDay.day, func.sum(ThemeDay.responses))
        .where(*cells.where(ThemeDay), ThemeDay.theme_id == theme_id)
        .group_by(ThemeDay.day)
    )
    return {day: int(n) for day, n in session.execute(query)}


def _counting(query: Any) -> Any:
    return query.add_columns(
        func.sum(ThemeDay.mentions).label("mentions"),
        func.sum(ThemeDay.responses).label("responses"),
        func.sum(ThemeDay.sentiment_sum).label("sentiment_sum"),
        func.sum(ThemeDay.sentiment_n).label("sentiment_n"),
        func.sum(ThemeDay.positive).label("positive"),
        func.sum(ThemeDay.negative).label("negative"),
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
    parent = aliased(ThemeMention)
    mentions = func.sum(ThemeDay.mentions)
    counted = (
        select(ThemeDay.theme_id, mentions.label("mentions"))
        .where(*cells.where(ThemeDay))
        .group_by(ThemeDay.theme_id)
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


def responses_per_program(*, session: Session) -> dict[str, tuple[int, int]]:
    """Program → (real, simulated) responses, for every program that has any."""
    query = select(ResponseDay.program, ResponseDay.simulated, func.sum(ResponseDay.responses)).group_by(
        ResponseDay.program, ResponseDay.simulated
    )
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for program, simulated, n in session.execute(query):
        found[program][1 if simulated else 0] += int(n or 0)
    return {program: (real, sims) for program, (real, sims) in found.items() if real or sims}
