"""Metrics per period, program, channel and segment, each with the number of responses behind it."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from askwhy.domain.changes import MetricChange, adjust_for_many, compare
from askwhy.domain.metrics import MetricEstimate, Statistic, estimate_from_histogram
from askwhy.domain.scales import Metric


@dataclass(frozen=True)
class ScoredResponse:
    """One scored answer with what it can be broken down by."""

    score: int
    metric: Metric
    responded_at: datetime
    program: str | None = None
    channel: str | None = None
    segment: Mapping[str, str] = field(default_factory=dict)
    """Customer attributes, e.g. ``{"region": "north", "plan": "pro"}``."""


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def period_start(moment: date | datetime, period: Period) -> date:
    """The first day of the period holding ``moment``; weeks start on Monday (ISO).

    The calendar date is taken as given: convert to the reporting time zone first.
    """
    day = moment.date() if isinstance(moment, datetime) else moment
    if period == Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period == Period.MONTH:
        return day.replace(day=1)
    return day


GroupKey = Callable[[ScoredResponse], str | None]


@dataclass(frozen=True)
class GroupEstimate:
    key: str
    estimate: MetricEstimate

    @property
    def n(self) -> int:
        return self.estimate.n


@dataclass(frozen=True)
class GroupChange:
    key: str
    change: MetricChange


def estimate_groups(
    responses: Iterable[ScoredResponse],
    *,
    metric: Metric,
    key: GroupKey,
    statistic: Statistic | None = None,
    confidence: float = 0.95,
) -> list[GroupEstimate]:
    """One estimate per group, sorted by key. Responses of other metrics, and responses whose key is
    None (e.g. no value for the segment), are left out of the breakdown."""
    histograms = _histograms(responses, metric=metric, key=key)
    return [
        GroupEstimate(
            group,
            estimate_from_histogram(histogram, metric=metric, statistic=statistic, confidence=confidence),
        )
        for group, histogram in sorted(histograms.items())
    ]


def by_period(
    responses: Iterable[ScoredResponse],
    *,
    metric: Metric,
    period: Period = Period.WEEK,
    statistic: Statistic | None = None,
    confidence: float = 0.95,
) -> list[GroupEstimate]:
    """Estimates per day/week/month, keyed by the ISO date the period starts on, in time order."""
    return estimate_groups(
        responses,
        metric=metric,
        key=lambda r: period_start(r.responded_at, period).isoformat(),
        statistic=statistic,
        confidence=confidence,
    )


def by_program(
    responses: Iterable[ScoredResponse], *, metric: Metric, statistic: Statistic | None = None
) -> list[GroupEstimate]:
    return estimate_groups(responses, metric=metric, key=lambda r: r.program, statistic=statistic)


def by_channel(
    responses: Iterable[ScoredResponse], *, metric: Metric, statistic: Statistic | None = None
) -> list[GroupEstimate]:
    return estimate_groups(responses, metric=metric, key=lambda r: r.channel, statistic=statistic)


def by_segment(
    responses: Iterable[ScoredResponse], *, metric: Metric, segment: str, statistic: Statistic | None = None
) -> list[GroupEstimate]:
    """Estimates per value of one customer attribute (``segment="region"``)."""
    return estimate_groups(
        responses, metric=metric, key=lambda r: r.segment.get(segment), statistic=statistic
    )


def compare_groups(
    before: Iterable[ScoredResponse],
    after: Iterable[ScoredResponse],
    *,
    metric: Metric,
    key: GroupKey,
    statistic: Statistic | None = None,
    alpha: float = 0.05,
) -> list[GroupChange]:
    """The change of every group present in both periods, judged together with Benjamini–Hochberg so
    that looking at many segments does not manufacture changes."""
    old = {g.key: g.estimate for g in estimate_groups(before, metric=metric, key=key, statistic=statistic)}
    new = {g.key: g.estimate for g in estimate_groups(after, metric=metric, key=key, statistic=statistic)}
    shared = sorted(old.keys() & new.keys())
    changes = adjust_for_many([compare(old[k], new[k], alpha=alpha) for k in shared], alpha=alpha)
    return [GroupChange(k, change) for k, change in zip(shared, changes, strict=True)]


def _histograms(
    responses: Iterable[ScoredResponse], *, metric: Metric, key: GroupKey
) -> dict[str, Counter[int]]:
    histograms: dict[str, Counter[int]] = defaultdict(Counter)
    for response in responses:
        if response.metric != metric:
            continue
        group = key(response)
        if group is not None:
            histograms[group][response.score] += 1
    return histograms
