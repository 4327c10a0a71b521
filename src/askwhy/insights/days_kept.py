"""Figures of a selection kept per UTC day between views, so that after a change only the days it
touched are counted again.

Each server process keeps, per question (a selection without its dates and what is counted), one
value per day with the recount numbers of that day's cells (`store.day_cells.recounts_per_day`).
A day is counted again when one of its cells is marked stale or was recounted since, and never
kept while a cell of it is marked; the others are reused from memory. The recount numbers are read
before the counts, so a day kept is never older than its numbers; a change marks its cell in the
transaction that makes it, and the recount that clears the mark numbers the cell anew, so a
changed day never matches what was kept of it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import date, timedelta
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from askwhy.insights.read_cache import PerDatabase
from askwhy.store import day_cells
from askwhy.store.day_cells import Cells

V = TypeVar("V")
Recounts = tuple[tuple[str, str, bool, int], ...]
RECOUNTS = "askwhy.recounts_per_day"
"""Where a session keeps the recount numbers its transaction read, per set of cells."""


class _Questions(Generic[V]):
    def __init__(self, kept: int) -> None:
        self.kept = kept
        self.lock = threading.Lock()
        self.questions: OrderedDict[Hashable, dict[date, tuple[Recounts, V]]] = OrderedDict()

    def days(self, question: Hashable) -> dict[date, tuple[Recounts, V]]:
        with self.lock:
            found = self.questions.get(question)
            if found is None:
                found = self.questions[question] = {}
            self.questions.move_to_end(question)
            while len(self.questions) > self.kept:
                self.questions.popitem(last=False)
            return found


class DaysKept(Generic[V]):
    """One value per day and question, kept per database for the `questions` asked last."""

    def __init__(self, *, questions: int) -> None:
        self._by_database: PerDatabase[_Questions[V]] = PerDatabase(lambda: _Questions(questions))

    def per_day(
        self,
        *,
        session: Session,
        cells: Cells,
        question: Hashable,
        count: Callable[[list[date]], dict[date, V]],
    ) -> dict[date, V]:
        """Day → value for every day of ``cells`` that holds responses (or waits to be recounted):
        ``count(days)`` (sorted, every one of them in its answer) counts the days not kept."""
        recounts = _recounts(session, cells)
        stale = {key.day for key in cells.stale}
        kept = self._by_database.of(session)
        days = kept.days(question)
        wanted = set(recounts) | stale
        with kept.lock:
            known = {day: days[day] for day in wanted if day in days}
        fresh = sorted(
            day
            for day in wanted
            if day in stale or (found := known.get(day)) is None or found[0] != recounts.get(day, ())
        )
        counted = count(fresh)
        with kept.lock:
            days.update((day, (recounts.get(day, ()), counted[day])) for day in fresh if day not in stale)
            for day in [day for day in days if day not in wanted and _within(cells, day)]:
                del days[day]  # its responses are gone
        return {day: counted[day] if day in counted else known[day][1] for day in wanted}


def _recounts(session: Session, cells: Cells) -> dict[date, Recounts]:
    """`day_cells.recounts_per_day`, read once per transaction for the same cells."""
    key = replace(cells, segment=None, stale=())
    memo = session.info.get(RECOUNTS)
    if memo is not None and memo[0] is session.get_transaction() and key in memo[1]:
        found: dict[date, Recounts] = memo[1][key]
        return found
    found = day_cells.recounts_per_day(session=session, cells=cells)
    transaction = session.get_transaction()
    if memo is None or memo[0] is not transaction:
        fresh: dict[Cells, dict[date, Recounts]] = {}
        memo = session.info[RECOUNTS] = (transaction, fresh)
    memo[1][key] = found
    return found


def runs_of(days: list[date], *, bridged: int = 0) -> list[tuple[date, date]]:
    """The runs of consecutive days among ``days`` (sorted), as (first, last); runs apart by at most
    ``bridged`` days not asked for are one run."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1 + bridged) >= day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _within(cells: Cells, day: date) -> bool:
    return (cells.since is None or day >= cells.since) and (cells.until is None or day < cells.until)
