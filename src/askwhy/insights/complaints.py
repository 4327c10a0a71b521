"""What drives complaints and what changed, on sentiment: the outcome when responses have no score.

Every analysed response has a sentiment, so every analysis can say which themes come with negative
responses, how the share of negative responses moved between the last two periods, and how it
differs between segments. Answers are frozen dataclasses; the report rounds them as it shows them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from askwhy.analysis.sentiment_outcome import (
    OutcomeChange,
    OutcomeDriver,
    SentimentOutcome,
    sentiment_change,
    sentiment_drivers,
)
from askwhy.domain.grouping import Period, period_start
from askwhy.insights.scored import theme_names
from askwhy.insights.selection import Selection
from askwhy.store.sentiments import analysed_in_selection
from askwhy.store.theme_volumes import mentioning_responses


class NothingFelt(LookupError):
    """No analysed response matches the question."""


@dataclass(frozen=True)
class Felt:
    """Analysed responses of a selection, oldest first, with their sentiment."""

    ids: list[str]
    dates: list[datetime]
    segments: list[dict[str, str]]
    negative: np.ndarray
    sentiment: np.ndarray


@dataclass(frozen=True)
class NegativeShare:
    """How many responses, the percentage of them that are negative, and their mean sentiment (−1..1)."""

    n: int
    negative_share: float
    mean_sentiment: float


@dataclass(frozen=True)
class ThemeDriver:
    """A theme's part in the negative share, with the theme's id to link its quotes."""

    theme_id: str
    driver: OutcomeDriver


@dataclass(frozen=True)
class ComplaintChange:
    """The negative share between two periods, split into the themes behind its change."""

    period: Period
    before: date
    after: date
    n_before: int
    n_after: int
    change: OutcomeChange
    theme_ids: dict[str, str]
    """Display label → theme id."""


@dataclass(frozen=True)
class Complaints:
    """Negative share overall, per period and per segment value, its drivers, and its last change."""

    overall: NegativeShare
    period: Period
    trend: dict[date, NegativeShare]
    """Period start → the share in that period, oldest first."""
    by_segment: dict[str, dict[str, NegativeShare]]
    """Segment name → value → the share among responses with that value, both sorted."""
    drivers: list[ThemeDriver]
    change: ComplaintChange | None


def felt_responses(*, session: Session, selection: Selection) -> Felt:
    rows = analysed_in_selection(session=session, restrict=selection.apply)
    if not rows:
        raise NothingFelt("no analysed responses match")
    return Felt(
        ids=[r.id for r in rows],
        dates=[r.responded_at for r in rows],
        segments=[{str(k): str(v) for k, v in r.segment.items()} for r in rows],
        negative=np.array([r.sentiment == "negative" for r in rows], dtype=np.float64),
        sentiment=np.array([r.sentiment_score for r in rows], dtype=np.float64),
    )


def _mentions(session: Session, felt: Felt, names: dict[str, str]) -> np.ndarray:
    position = {response_id: i for i, response_id in enumerate(felt.ids)}
    column = {theme_id: j for j, theme_id in enumerate(names)}
    matrix = np.zeros((len(felt.ids), len(names)))
    for response_id, theme_id in mentioning_responses(session=session, theme_ids=list(names)):
        if response_id in position:
            matrix[position[response_id], column[theme_id]] = 1
    return matrix


def _outcome(felt: Felt, mentions: np.ndarray, names: dict[str, str], rows: list[int]) -> SentimentOutcome:
    return SentimentOutcome.build(
        themes=list(names.values()),
        mentions=mentions[rows],
        negative=felt.negative[rows],
        sentiment=felt.sentiment[rows],
    )


def choose_period(dates: list[datetime]) -> Period:
    """Months over half a year of data, weeks over three weeks, else days (as for scored metrics)."""
    span = dates[-1] - dates[0]
    if span > timedelta(days=180):
        return Period.MONTH
    return Period.WEEK if span > timedelta(days=21) else Period.DAY


def _share(felt: Felt, rows: list[int]) -> NegativeShare:
    return NegativeShare(
        n=len(rows),
        negative_share=float(100 * felt.negative[rows].mean()),
        mean_sentiment=float(felt.sentiment[rows].mean()),
    )


def complaints(
    *,
    session: Session,
    selection: Selection,
    max_themes: int = 25,
    before: date | None = None,
    after: date | None = None,
) -> Complaints:
    """Negative share overall, per period and per segment, its drivers, and its last change."""
    felt = felt_responses(session=session, selection=selection)
    names = theme_names(session=session, max_themes=max_themes, selection=selection)
    mentions = _mentions(session, felt, names)
    every = list(range(len(felt.ids)))
    period = choose_period(felt.dates)
    starts = [period_start(d, period) for d in felt.dates]
    by_period: dict[date, list[int]] = defaultdict(list)
    for row, start in enumerate(starts):
        by_period[start].append(row)
    segments: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row, segment in enumerate(felt.segments):
        for key, value in segment.items():
            segments[key][value].append(row)
    drivers = sentiment_drivers(_outcome(felt, mentions, names, every))
    return Complaints(
        overall=_share(felt, every),
        period=period,
        trend={start: _share(felt, rows) for start, rows in sorted(by_period.items())},
        by_segment={
            key: {value: _share(felt, rows) for value, rows in sorted(values.items())}
            for key, values in sorted(segments.items())
        },
        drivers=[ThemeDriver(_id(names, d.theme), d) for d in drivers.drivers],
        change=_change(felt, mentions, names, by_period, period=period, before=before, after=after),
    )


def _change(
    felt: Felt,
    mentions: np.ndarray,
    names: dict[str, str],
    by_period: dict[date, list[int]],
    *,
    period: Period,
    before: date | None,
    after: date | None,
) -> ComplaintChange | None:
    """The change of the negative share between two periods (the last two by default), or None."""
    if before is not None and after is not None:
        old, new = period_start(before, period), period_start(after, period)
    elif len(by_period) >= 2:
        old, new = sorted(by_period)[-2:]
    else:
        return None
    if old == new or not by_period.get(old) or not by_period.get(new):
        return None
    change = sentiment_change(
        _outcome(felt, mentions, names, by_period[old]), _outcome(felt, mentions, names, by_period[new])
    )
    return ComplaintChange(
        period=period,
        before=old,
        after=new,
        n_before=len(by_period[old]),
        n_after=len(by_period[new]),
        change=change,
        theme_ids={label: theme_id for theme_id, label in names.items()},
    )


def _id(names: dict[str, str], label: str) -> str:
    return next(theme_id for theme_id, name in names.items() if name == label)
