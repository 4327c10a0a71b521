"""Sustained rises: a theme's share up by a little for many days, which no single day shows.

A rise of 1.5× at 100 responses a day adds one or two mentions a day: no day stands out from the
baseline's spread, but the days add up. This test accumulates the evidence over recent days as a
CUSUM of log-likelihood ratios (Page's test). Each day's mentions are scored by how much more
likely they are had the theme's share risen to ``p₁ = max(ratio · p̂, floor)`` than had it stayed
at its baseline share p̂, both as beta-binomials with the baseline's over-dispersion
(`askwhy.analysis.emerging.predictive`). The statistic is the largest sum of scores over a run of
days ending today, today so far included. A CUSUM is quickest for the rise it is tuned to, so one
runs per ratio of the design (half again, and three times: a slow climb and a jump), sharing the
test's false-alarm budget.

False-alarm design: under the baseline, a run's likelihood ratio is a martingale over every
response after the run's first day, so by Ville's inequality it ever reaches e^h with probability
at most e^−h however often it is looked at. At most P runs begin in a year of P periods, so
h = ln(P · k / F) keeps a steady theme at F false alarms a year or fewer over k ratios, with a look
after every response at no extra cost (a test of the day so far must instead divide its α over its looks).

The baseline ends before the window of days the runs may start in, so a rise under way in the
window is never its own baseline. ``floor`` is the novelty gate: a theme with next to no baseline
(brand new, or very rare) is tested for a share that brings ``min_mentions`` a week, not for
``ratio`` times next to nothing, which a handful of chance mentions would already pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import betaln

from askwhy.analysis.emerging import PERIODS_PER_YEAR, Design, PeriodCount, Predictive, predictive, ratio_low


@dataclass(frozen=True)
class SustainedTest:
    """The best run of days ending now: its score against the threshold, and its counts."""

    score: float
    """The run's summed log-likelihood ratio; 0 when no run scores above nothing."""
    threshold: float
    periods: int
    """How many periods the run spans, the current one included (0: none)."""
    mentions: int
    total: int
    expected: float
    share: float
    baseline_share: float
    rise_share: float
    """The share p₁ the run was scored against."""
    testable: bool
    ratio_low: float = 0.0
    """A lower bound of the run's share over the baseline share (`askwhy.analysis.emerging.ratio_low`)."""

    @property
    def excess(self) -> float:
        return self.mentions - self.expected


def threshold(design: Design) -> float:
    """h = ln(P · k / F), for the part F of the yearly false-alarm budget spent on sustained rises,
    shared by the k rises the test is tuned to."""
    budget = design.false_alarms_per_theme_year * design.sustained_part
    if budget <= 0 or not design.sustained_ratios:
        return math.inf
    return math.log(PERIODS_PER_YEAR[design.period] * len(design.sustained_ratios) / budget)


def sustained_baseline(history: Sequence[PeriodCount], *, design: Design) -> Predictive | None:
    """The predictive of the baseline before the window (the window as its guard)."""
    return predictive(history, design=replace(design, guard_periods=design.sustained_periods))


def rise_share(baseline: Predictive, *, design: Design, mean_total: float, ratio: float) -> float:
    """p₁: ``ratio`` times the baseline share, at least a share bringing ``min_mentions`` a week
    (for ``mean_total`` responses a period), below 1."""
    per_week = PERIODS_PER_YEAR[design.period] / PERIODS_PER_YEAR["week"]
    floor = design.min_mentions / max(per_week * mean_total, 1.0)
    return min(max(ratio * baseline.share, floor), 0.999)


def log_ratios(mentions: np.ndarray, totals: np.ndarray, baseline: Predictive, rise: float) -> np.ndarray:
    """Each period's log-likelihood ratio: the share at ``rise`` against the baseline's share."""
    kappa = baseline.a + baseline.b
    a, b = rise * kappa, (1.0 - rise) * kappa
    # The beta-binomials' binomial coefficients cancel: what is left are beta functions.
    risen = betaln(mentions + a, totals - mentions + b) - betaln(a, b)
    steady = betaln(mentions + baseline.a, totals - mentions + baseline.b) - betaln(baseline.a, baseline.b)
    return np.asarray(risen - steady, dtype=float)


def sustained(history: Sequence[PeriodCount], current: PeriodCount, *, design: Design) -> SustainedTest:
    """The best run of the last ``design.sustained_periods`` periods of ``history`` (oldest first)
    and ``current`` (the period so far), scored against the baseline before them for each rise the
    design is tuned to: the run that alarms if one does, else the highest. Untestable (score 0)
    without enough baseline."""
    h = threshold(design)
    baseline = sustained_baseline(history, design=design)
    if baseline is None or not design.sustained_ratios:
        return SustainedTest(0.0, h, 0, current.mentions, current.total, 0.0, 0.0, 0.0, 0.0, False)
    window = [*history[len(history) - design.sustained_periods :], current]
    mean_total = float(np.mean([p.total for p in history if p.total > 0] or [current.total]))
    tests = [
        _best_run(window, baseline, h, rise_share(baseline, design=design, mean_total=mean_total, ratio=r))
        for r in design.sustained_ratios
    ]
    alarming = [test for test in tests if sustained_alarm(test, design=design)]
    return max(alarming or tests, key=lambda test: test.score)


def _best_run(window: Sequence[PeriodCount], baseline: Predictive, h: float, rise: float) -> SustainedTest:
    mentions = np.array([p.mentions for p in window])
    totals = np.array([p.total for p in window])
    seen = totals > 0
    scores = np.zeros(len(window))
    scores[seen] = log_ratios(mentions[seen], totals[seen], baseline, rise)
    runs = np.cumsum(scores[::-1])[::-1]
    start = int(np.argmax(runs))
    if runs[start] <= 0:
        return SustainedTest(0.0, h, 0, 0, 0, 0.0, 0.0, baseline.share, rise, True)
    y, n = int(mentions[start:].sum()), int(totals[start:].sum())
    return SustainedTest(
        score=float(runs[start]),
        threshold=h,
        periods=len(window) - start,
        mentions=y,
        total=n,
        expected=n * baseline.share,
        share=y / n if n else 0.0,
        baseline_share=baseline.share,
        rise_share=rise,
        testable=True,
        ratio_low=ratio_low(y, n, baseline.share, alpha=0.05),
    )


def sustained_alarm(test: SustainedTest, *, design: Design) -> bool:
    """True when the run reaches the threshold with the design's volume gates over the run."""
    return (
        test.testable
        and test.score >= test.threshold
        and test.mentions >= design.min_mentions
        and test.excess >= design.min_excess
    )
