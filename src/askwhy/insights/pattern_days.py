"""A selection's score patterns (`store.theme_patterns`) kept per day between views, so that after
a change only the days it touched are counted again.

Drivers and changes read every scored response of a selection by (score, themes mentioned): on
100,000 responses that grouped query is most of a theme page's time, and any new response made
the whole of it run again. Each server process keeps, per question (selection without its dates,
metric and themes), the patterns of each UTC day with the recount numbers of that day's cells
(`store.day_cells.recounts_per_day`). A day is counted again when one of its cells is marked
stale or was recounted since, and never kept while a cell of it is marked; the others are summed
from memory. A selection the tallies cannot answer (very many cells waiting) is counted whole.

The recount numbers are read before the patterns, so a day kept is never older than its
numbers; a change marks its cell in the transaction that makes it, and the recount that clears
the mark numbers the cell anew, so a changed day never matches what was kept of it.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy.orm import Session

from askwhy.insights import selection_counts
from askwhy.insights.read_cache import PerDatabase
from askwhy.insights.selection import Selection
from askwhy.store import day_cells, theme_patterns
from askwhy.store.theme_patterns import ScorePattern

QUESTIONS_KEPT = 8
"""Questions whose days are kept per database, least recently used dropped first (a program of
100,000 responses over 180 days keeps about 49,000 (day, pattern) counts per question)."""

FEW_DAYS = 7
"""Runs of fewer days than this are read by time (`theme_patterns.score_patterns_per_day`)."""

Recounts = tuple[tuple[str, str, bool, int], ...]
Counts = dict[tuple[int, frozenset[str]], int]


@dataclass
class _Days:
    """One question's patterns per day, each with the recount numbers it was counted under."""

    counts: dict[date, tuple[Recounts, Counts]]
    themes: dict[frozenset[str], frozenset[str]] = field(default_factory=dict)
    """One object per set of themes, shared by every day that holds it."""


class _Kept:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.questions: OrderedDict[Hashable, _Days] = OrderedDict()

    def days(self, question: Hashable) -> _Days:
        with self.lock:
            found = self.questions.get(question)
            if found is None:
                found = self.questions[question] = _Days({})
            self.questions.move_to_end(question)
            while len(self.questions) > QUESTIONS_KEPT:
                self.questions.popitem(last=False)
            return found


_by_database = PerDatabase(_Kept)


def score_patterns(
    *, session: Session, selection: Selection, metric: str, theme_ids: Sequence[str]
) -> list[ScorePattern]:
    """`theme_patterns.score_patterns` of the selection, the days no change touched since the last
    view summed from memory."""
    cells = selection_counts.tallied(session=session, selection=selection)
    if cells is None:
        return theme_patterns.score_patterns(
            session=session, restrict=selection.apply, metric=metric, theme_ids=theme_ids
        )
    recounts = day_cells.recounts_per_day(session=session, cells=cells)
    stale = {key.day for key in cells.stale}
    question = (repr(replace(selection, since=None, until=None)), metric, tuple(theme_ids))
    kept = _by_database.of(session)
    days = kept.days(question)
    wanted = set(recounts) | stale
    with kept.lock:
        known = {day: days.counts[day] for day in wanted if day in days.counts}
    fresh = sorted(
        day
        for day in wanted
        if day in stale or (found := known.get(day)) is None or found[0] != recounts.get(day, ())
    )
    counted = _count(session, selection, metric, theme_ids, fresh, shared=days.themes)
    total: Counter[tuple[int, frozenset[str]]] = Counter()
    for day in wanted:
        total.update(counted[day] if day in counted else known[day][1])
    with kept.lock:
        days.counts.update((day, (recounts.get(day, ()), counted[day])) for day in fresh if day not in stale)
        for day in [day for day in days.counts if day not in wanted and _within(selection, day)]:
            del days.counts[day]  # its responses are gone
    return [ScorePattern(score, themes, n) for (score, themes), n in sorted(total.items(), key=_order) if n]


def _within(selection: Selection, day: date) -> bool:
    return (selection.since is None or day >= selection.since) and (
        selection.until is None or day < selection.until
    )


def _order(item: tuple[tuple[int, frozenset[str]], int]) -> tuple[int, list[str]]:
    (score, themes), _ = item
    return score, sorted(themes)


def _count(
    session: Session,
    selection: Selection,
    metric: str,
    theme_ids: Sequence[str],
    days: list[date],
    *,
    shared: dict[frozenset[str], frozenset[str]],
) -> dict[date, Counts]:
    """The patterns of each of ``days`` (sorted), one query per run of consecutive days."""
    counted: dict[date, Counts] = {day: {} for day in days}
    for first, last in _runs(days):
        run = selection.narrowed(since=first, until=last + timedelta(days=1))
        per_day = theme_patterns.score_patterns_per_day(
            session=session,
            restrict=run.apply,
            metric=metric,
            theme_ids=theme_ids,
            few_days=(last - first).days < FEW_DAYS,
        )
        for day, patterns in per_day.items():
            counts = counted.setdefault(day, {})
            for pattern in patterns:
                key = (pattern.score, shared.setdefault(pattern.themes, pattern.themes))
                counts[key] = counts.get(key, 0) + pattern.responses
    return counted


def _runs(days: list[date]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs
