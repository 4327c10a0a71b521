"""A selection's score patterns (`store.theme_patterns`) kept per day between views
(`insights.days_kept`), so that after a change only the days it touched are counted again.

Drivers and changes read every scored response of a selection by (score, themes mentioned): on
100,000 responses that grouped query is most of a theme page's time, and any new response made
the whole of it run again. Each server process keeps, per question (selection without its dates,
metric and themes), the patterns of each UTC day; a selection the tallies cannot answer (very
many cells waiting) is counted whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy.orm import Session

from askwhy.insights import selection_counts
from askwhy.insights.days_kept import DaysKept, runs_of
from askwhy.insights.selection import Selection
from askwhy.store import theme_patterns
from askwhy.store.theme_patterns import ScorePattern

QUESTIONS_KEPT = 8
"""Questions whose days are kept per database, least recently used dropped first (a program of
100,000 responses over 180 days keeps about 49,000 (day, pattern) counts per question)."""

FEW_DAYS = 7
"""Runs of fewer days than this are read by time (`theme_patterns.score_patterns_per_day`)."""

Counts = dict[tuple[int, frozenset[str]], int]

_kept: DaysKept[Counts] = DaysKept(questions=QUESTIONS_KEPT)


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
    question = (repr(replace(selection, since=None, until=None)), metric, tuple(theme_ids))
    per_day = _kept.per_day(
        session=session,
        cells=cells,
        question=question,
        count=lambda days: _count(session, selection, metric, theme_ids, days, shared={}),
    )
    total: Counter[tuple[int, frozenset[str]]] = Counter()
    for counts in per_day.values():
        total.update(counts)
    return [ScorePattern(score, themes, n) for (score, themes), n in sorted(total.items(), key=_order) if n]


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
    """The patterns of each of ``days`` (sorted), one query per run of consecutive days; ``shared``
    holds one object per set of themes, for every day that holds it."""
    counted: dict[date, Counts] = {day: {} for day in days}
    for first, last in runs_of(days):
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
