"""A selection's theme tallies kept per day between views (`insights.days_kept`), so that after a
change only the days it touched are summed again.

The overview, the codebook, the drivers' ranking of themes and a program's part of the codebook
sum every theme's tallies over every day of a selection (70,000 rows for 100,000 responses over
half a year), and any change made each of those sums run again whole. Each server process now
keeps every theme's sums per UTC day, per selection without its dates, and reads from the tallies
only the days a change touched (stale cells counted from their rows, as every tally read is).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy.orm import Session

from askwhy.insights.days_kept import DaysKept, runs_of
from askwhy.insights.selection import Selection
from askwhy.store import day_cells, day_tallies
from askwhy.store.day_cells import Cells
from askwhy.store.day_tallies import ThemeSums
from askwhy.store.theme_volumes import ThemeCount

QUESTIONS_KEPT = 16
"""Selections whose days are kept per database (about 9,000 (day, theme) sums each for a program
of 50 themes over half a year), least recently used dropped first."""

BRIDGED = 7
"""Days not asked for that one read of the tallies spans between two asked for (kept days are
read again, days without responses cost nothing)."""

_kept: DaysKept[dict[str, ThemeSums]] = DaysKept(questions=QUESTIONS_KEPT)


def theme_counts(
    *, session: Session, selection: Selection, cells: Cells, theme_ids: Collection[str] | None = None
) -> dict[str, ThemeCount]:
    """`day_tallies.theme_counts` of the selection's ``cells`` (from `selection_counts.tallied`)."""
    total = _total(_per_day(session, selection, cells).values())
    if theme_ids is not None:
        wanted = set(theme_ids)
        total = {theme_id: sums for theme_id, sums in total.items() if theme_id in wanted}
    return day_tallies.counts_of(total)


def theme_counts_split(
    *, session: Session, selection: Selection, cells: Cells, split_at: date
) -> tuple[dict[str, ThemeCount], dict[str, ThemeCount]]:
    """Every mentioned theme's counts in the selection's ``cells`` before the day ``split_at`` and
    from it on."""
    per_day = _per_day(session, selection, cells)
    before = _total(themes for day, themes in per_day.items() if day < split_at)
    after = _total(themes for day, themes in per_day.items() if day >= split_at)
    return _mentioned(day_tallies.counts_of(before)), _mentioned(day_tallies.counts_of(after))


def mentions(*, session: Session, selection: Selection, cells: Cells) -> dict[str, int]:
    """Theme id → its mentions in the selection's ``cells``."""
    mentions_at = day_tallies.THEME_SUMS.index("mentions")
    total = _total(_per_day(session, selection, cells).values())
    return {theme_id: int(sums[mentions_at]) for theme_id, sums in total.items()}


def _per_day(session: Session, selection: Selection, cells: Cells) -> dict[date, dict[str, ThemeSums]]:
    question = ("theme sums", repr(replace(selection, since=None, until=None)))
    return _kept.per_day(
        session=session, cells=cells, question=question, count=lambda days: _count(session, cells, days)
    )


def _count(session: Session, cells: Cells, days: list[date]) -> dict[date, dict[str, ThemeSums]]:
    """Each of ``days``' sums, one read of the tallies per run of them (days without responses
    between two are read through: they hold no rows)."""
    counted: dict[date, dict[str, ThemeSums]] = {day: {} for day in days}
    for first, last in runs_of(days, bridged=BRIDGED):
        run = day_cells.among(replace(cells, since=first, until=last + timedelta(days=1)), stale=cells.stale)
        found = day_tallies.theme_sums_per_day(session=session, cells=run)
        counted.update((day, sums) for day, sums in found.items() if day in counted)
    return counted


def _total(days: Iterable[dict[str, ThemeSums]]) -> dict[str, ThemeSums]:
    total: dict[str, list[float]] = {}
    for themes in days:
        for theme_id, sums in themes.items():
            kept = total.get(theme_id)
            if kept is None:
                total[theme_id] = list(sums)
            else:
                for i, value in enumerate(sums):
                    kept[i] += value
    return {theme_id: tuple(sums) for theme_id, sums in total.items()}


def _mentioned(counts: dict[str, ThemeCount]) -> dict[str, ThemeCount]:
    """A tally row has at least one mention: a theme with none on a side was not there."""
    return {theme_id: count for theme_id, count in counts.items() if count.mentions}
