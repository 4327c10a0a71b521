"""Reading the day tallies: the workspace's counts of a selection summed over its cells.

A selection the tallies can answer names at most a program, a channel, a language, whole UTC
days, one segment value and whether simulated responses count (`store.day_cells.Cells`); a
selection with more segment values is counted from the responses (`store.theme_volumes`,
`store.overview_scores`).
The cells a write marked stale and the recount has not reached yet are counted from their rows
(`_read`: the tallies of the other cells, then each stale cell from its responses, summed here),
so every function here answers exactly what its counterpart over the responses answers,
recounted or not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, case, exists, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from askwhy.store.analysis_tables import Theme, ThemeMention
from askwhy.store.day_cells import Cells
from askwhy.store.day_counting import counting, rows_of, same_cell
from askwhy.store.day_tally_tables import SEGMENTED, ResponseDay, ScoreDay, ThemeDay
from askwhy.store.theme_volumes import ThemeCount


@dataclass(frozen=True)
class DayTotals:
    """Responses of the cells: how many, completed, analysed, and the newest given."""

    responses: int
    completed: int
    analysed: int
    newest: datetime | None


Build = Callable[[Any, list[ColumnElement[bool]]], Select[Any]]
"""A read of one tally: its query over a source (the table, or stale cells counted from their rows)
given the conditions that pick the selection's rows of that source."""


def _read(session: Session, table: Any, cells: Cells, build: Build) -> list[Row[Any]]:
    """The rows ``build`` reads from ``table``'s tallies of the cells not waiting to be recounted,
    then from the stale cells counted from their responses; the caller sums them.

    Two statements instead of one union: the first keeps the tally's key index and reads no more
    than when nothing waits, the second is one index range per stale cell. The stale cells are
    left out of the first by name, so a recount committed in between counts nothing twice. A
    selection of one segment value reads ``table``'s twin per segment value instead."""
    if cells.segment is not None:
        table = SEGMENTED[table]
    if not cells.stale:
        return list(session.execute(build(table, cells.where(table))))
    settled = [*cells.where(table), ~or_(*(same_cell(table, key) for key in cells.stale))]
    dialect = session.get_bind().dialect.name
    arms = [counting(table, dialect=dialect).where(rows_of(key)) for key in cells.stale]
    live = aliased(table, (arms[0] if len(arms) == 1 else union_all(*arms)).subquery(), adapt_on_names=True)
    return [*session.execute(build(table, settled)), *session.execute(build(live, cells.where(live)))]


def _total(rows: Iterable[Row[Any]], column: int = 0) -> int:
    return sum(int(row[column] or 0) for row in rows)


def _summed(rows: Iterable[Row[Any]]) -> dict[Any, int]:
    """Key → the sum of its counts, over rows of (key, count)."""
    found: Counter[Any] = Counter()
    for key, n in rows:
        found[key] += int(n or 0)
    return dict(found)


def totals(*, session: Session, cells: Cells) -> DayTotals:
    """`overview_counts.response_totals` without the last change, from the tallies."""

    def build(days: Any, where: list[ColumnElement[bool]]) -> Select[Any]:
        sums = (func.sum(days.responses), func.sum(days.completed), func.sum(days.analysed))
        return select(*sums, func.max(days.newest)).where(*where)

    rows = _read(session, ResponseDay, cells, build)
    newest = max((when for row in rows if (when := _aware(row[3])) is not None), default=None)
    return DayTotals(_total(rows, 0), _total(rows, 1), _total(rows, 2), newest)


def simulated_count(*, session: Session, cells: Cells) -> int:
    """Simulated responses of the cells."""
    return _total(
        _read(
            session,
            ResponseDay,
            cells,
            lambda days, where: select(func.sum(days.responses)).where(*where, days.simulated.is_(True)),
        )
    )


def analysed_count(*, session: Session, cells: Cells) -> int:
    """Analysed responses of the cells: the denominator of a theme's share."""
    return _total(
        _read(session, ResponseDay, cells, lambda days, where: select(func.sum(days.analysed)).where(*where))
    )


def analysed_counts_split(*, session: Session, cells: Cells, split_at: date) -> tuple[int, int]:
    """Analysed responses of the cells before ``split_at`` and from it on."""

    def build(days: Any, where: list[ColumnElement[bool]]) -> Select[Any]:
        later = case((days.day >= split_at, days.analysed), else_=0)
        return select(func.sum(days.analysed), func.sum(later)).where(*where)

    rows = _read(session, ResponseDay, cells, build)
    total, after = _total(rows, 0), _total(rows, 1)
    return total - after, after


def analysed_per_day(*, session: Session, cells: Cells) -> dict[date, int]:
    """Analysed responses per UTC day, days without any left out."""

    def build(days: Any, where: list[ColumnElement[bool]]) -> Select[Any]:
        return select(days.day, func.sum(days.analysed)).where(*where, days.analysed > 0).group_by(days.day)

    return _summed(_read(session, ResponseDay, cells, build))


def latest_analysed(*, session: Session, cells: Cells) -> datetime | None:
    """When the newest analysed response of the cells was given."""
    rows = _read(
        session, ResponseDay, cells, lambda days, where: select(func.max(days.newest_analysed)).where(*where)
    )
    return max((when for row in rows if (when := _aware(row[0])) is not None), default=None)


def score_counts(*, session: Session, cells: Cells, metrics: Collection[str]) -> dict[str, int]:
    """Metric name → scored responses of the cells, for the metrics named."""

    def build(days: Any, where: list[ColumnElement[bool]]) -> Select[Any]:
        return (
            select(days.metric, func.sum(days.responses))
            .where(*where, days.metric.in_(list(metrics)))
            .group_by(days.metric)
        )

    return {metric: n for metric, n in _summed(_read(session, ScoreDay, cells, build)).items() if n}


def daily_score_histograms(*, session: Session, cells: Cells, metric: str) -> dict[date, Counter[int]]:
    """UTC day → score → responses scored on ``metric``, oldest day first."""

    def build(days: Any, where: list[ColumnElement[bool]]) -> Select[Any]:
        return (
            select(days.day, days.score, func.sum(days.responses))
            .where(*where, days.metric == metric)
            .group_by(days.day, days.score)
        )

    found: dict[date, Counter[int]] = defaultdict(Counter)
    for day, score, n in _read(session, ScoreDay, cells, build):
        found[day][int(score)] += int(n)
    return dict(sorted(found.items()))


THEME_SUMS = ("mentions", "responses", "sentiment_sum", "sentiment_n", "positive", "negative")


def _theme_sums(days: Any) -> list[Any]:
    return [func.sum(getattr(days, name)) for name in THEME_SUMS]


def _theme_counts(rows: Iterable[Sequence[Any]], keys: int) -> dict[Any, ThemeCount]:
    """Key (the rows' first ``keys`` columns) → its theme counts, the rows' sums added up."""
    sums: dict[Any, list[float]] = defaultdict(lambda: [0.0] * len(THEME_SUMS))
    for row in rows:
        key = row[0] if keys == 1 else tuple(row[:keys])
        for i, value in enumerate(row[keys:]):
            sums[key][i] += float(value or 0)
    return {key: _count(values) for key, values in sums.items()}


def theme_counts(
    *, session: Session, cells: Cells, theme_ids: Collection[str] | None = None
) -> dict[str, ThemeCount]:
    """Theme id → its counts in the cells, for the themes given (every mentioned theme by default)."""

    def build(days: Any, where: list[ColumnElement[bool]]) -> Select[Any]:
        query = select(days.theme_id, *_theme_sums(days)).where(*where).group_by(days.theme_id)
        return query if theme_ids is None else query.where(days.theme_id.in_(list(theme_ids)))

    return _theme_counts(_read(session, ThemeDay, cells, build), keys=1)


ThemeSums = tuple[float, ...]
"""A theme's `THEME_SUMS` in some cells, in that order."""


def theme_sums_per_day(*, session: Session, cells: Cells) -> dict[date, dict[str, ThemeSums]]:
    """UTC day → theme id → its `THEME_SUMS` that day, for every theme mentioned in the cells."""

    def build(days: Any, where: list[ColumnElement[bool]]) -> Select[Any]:
        return (
            select(days.day, days.theme_id, *_theme_sums(days))
            .where(*where)
            .group_by(days.day, days.theme_id)
        )

    found: dict[date, dict[str, ThemeSums]] = defaultdict(dict)
    for day, theme_id, *sums in _read(session, ThemeDay, cells, build):
        values = tuple(float(value or 0) for value in sums)
        known = found[day].get(theme_id)
        found[day][theme_id] = (
            values if known is None else tuple(a + b for a, b in zip(known, values, strict=True))
        )
    return dict(found)


def counts_of(sums: dict[str, ThemeSums]) -> dict[str, ThemeCount]:
    """Theme id → its counts, from its `THEME_SUMS`."""
    return {theme_id: _count(list(values)) for theme_id, values in sums.items()}


def theme_responses_per_day(*, session: Session, cells: Cells, theme_id: str) -> dict[date, int]:
    """Responses per UTC day with at least one sentence in the theme."""

    def build(days: Any, where: list[ColumnElement[bool]]) -> Select[Any]:
        return (
            select(days.day, func.sum(days.responses))
            .where(*where, days.theme_id == theme_id)
            .group_by(days.day)
        )

    return _summed(_read(session, ThemeDay, cells, build))


def _count(sums: list[float]) -> ThemeCount:
    mentions, responses, sentiment_sum, scored, positive, negative = sums
    return ThemeCount(
        mentions=int(mentions),
        responses=int(responses),
        sentiment=sentiment_sum / scored if scored else None,
        positive=int(positive),
        negative=int(negative),
    )


def _aware(value: datetime | str | None) -> datetime | None:
    """An aggregate over a date-time column comes back as text on SQLite (the type is lost)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def ranked_top_themes(
    *, session: Session, mentions: dict[str, int], limit: int | None
) -> list[tuple[str, str]]:
    """`theme_volumes.most_mentioned_themes` from the tallies, given each theme's mentions: (id,
    label) of the live top-level themes mentioned, most mentions first; a discovered subtheme only
    where its parent is not coded itself."""
    mentions = {theme: n for theme, n in mentions.items() if n > 0}
    if not mentions:
        return []
    parent = aliased(ThemeMention)
    query = select(Theme.id, Theme.label).where(
        Theme.id.in_(list(mentions)),
        Theme.status != "merged",
        (Theme.parent_id.is_(None)) | ~exists().where(parent.theme_id == Theme.parent_id),
    )
    ranked = sorted(session.execute(query), key=lambda row: (-mentions[row.id], row.id))
    return [(theme_id, label) for theme_id, label in (ranked[:limit] if limit else ranked)]


def responses_per_program(*, session: Session, cells: Cells) -> dict[str, tuple[int, int]]:
    """Program → (real, simulated) responses, for every program that has any."""

    def build(days: Any, where: list[ColumnElement[bool]]) -> Select[Any]:
        return (
            select(days.program, days.simulated, func.sum(days.responses))
            .where(*where)
            .group_by(days.program, days.simulated)
        )

    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for program, simulated, n in _read(session, ResponseDay, cells, build):
        found[program][1 if simulated else 0] += int(n or 0)
    return {program: (real, sims) for program, (real, sims) in found.items() if real or sims}


def cell_values(*, session: Session, cells: Cells, column: str) -> list[str]:
    """The channels or languages of the cells that hold responses, sorted: what
    `conversation_listing.distinct_values` reads from every response of the selection."""

    def build(days: Any, where: list[ColumnElement[bool]]) -> Select[Any]:
        chosen = getattr(days, column)
        return select(chosen, func.sum(days.responses)).where(*where).group_by(chosen)

    if column not in ("channel", "language"):
        raise ValueError(f"cells have no list of {column!r}: channel or language")
    found = _summed(_read(session, ResponseDay, cells, build))
    return sorted(str(value) for value, n in found.items() if value and n > 0)
