"""Metric drops: has a program's NPS, CSAT or CES fallen beyond what its own history allows?

Each respondent contributes a value whose mean is the metric (`askwhy.domain.metrics.respondent_value`:
NPS ±100/0, CSAT top-2-box 100/0, CES the score). The current period's mean (today so far, or this
week) is compared with a trailing baseline of periods, as in `askwhy.analysis.emerging`:

- the baseline mean μ weighs each period by its precision;
- a metric drifts from period to period more than sampling explains (a campaign, a busy Monday):
  the between-period variance τ² is bounded from above by the Q-profile method, at the τ² where the
  baseline's generalised Q statistic falls to the lower quartile of its χ² distribution, so a few
  calm weeks do not make the detector trigger-happy;
- the current mean's variance is its sampling variance, plus τ², plus the uncertainty of μ.

The drop (μ − current) is tested one-sided with Student's t on the baseline's degrees of freedom, at
α = F / P for F false alarms per metric-year and P periods a year, spread over the looks at the
period as it fills (each look at α / (2·ln n), as for rising themes). A partial day is fine: fewer
responses only widen the interval. A minimum number of current responses gates the test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy.stats import chi2, t

from askwhy.analysis.emerging import PERIODS_PER_YEAR, looks_factor

TAU_QUANTILE = 0.25
INTERVAL = 0.90
"""The two-sided level of the drop's interval shown with an alarm (its lower end is a 95% bound)."""


@dataclass(frozen=True)
class PeriodScores:
    """The respondents' values in one period: how many, their mean and their sample variance."""

    n: int
    mean: float
    variance: float


@dataclass(frozen=True)
class DropDesign:
    """How sensitive the detector is, stated as the false alarms a team accepts."""

    period: str = "day"
    false_alarms_per_metric_year: float = 1.0
    baseline_periods: int = 56
    guard_periods: int = 7
    """The most recent periods left out of the baseline, so that a slide under way is not its own baseline."""
    min_baseline_periods: int = 14
    min_responses: int = 20
    checked_as_it_fills: bool = True
    """The current period is tested again after every analysed batch, not once when it is over."""

    @property
    def alpha(self) -> float:
        """The per-period false-alarm probability that gives the yearly rate."""
        return self.false_alarms_per_metric_year / PERIODS_PER_YEAR[self.period]

    def look_alpha(self, period_n: float) -> float:
        """The α of one look at a period so far: the period's α over 2·ln(responses in a period), as
        for rising themes (`askwhy.analysis.emerging.Design.look_alpha`)."""
        return self.alpha / looks_factor(period_n) if self.checked_as_it_fills else self.alpha


@dataclass(frozen=True)
class DropTest:
    """The current period against the baseline; ``p_value`` is one-sided (falling)."""

    value: float
    baseline: float
    n: int
    baseline_n: int
    low: float
    """The lower end of the drop's interval (baseline − current), in the metric's units."""
    high: float
    p_value: float
    between: float
    """τ, the between-period standard deviation allowed for."""
    testable: bool
    alpha: float = 0.0
    """The α this look is tested at (`DropDesign.look_alpha`)."""

    @property
    def drop(self) -> float:
        return self.baseline - self.value


def period_scores(values: Mapping[float, int]) -> PeriodScores:
    """A period's summary from a histogram: respondent value → how many respondents gave it."""
    n = sum(values.values())
    if n == 0:
        return PeriodScores(0, 0.0, 0.0)
    mean = sum(v * c for v, c in values.items()) / n
    squares = sum(c * (v - mean) ** 2 for v, c in values.items())
    return PeriodScores(n, mean, squares / (n - 1) if n > 1 else 0.0)


@dataclass(frozen=True)
class DropBaseline:
    """What a metric's baseline predicts for a period: its mean, the respondents' within-period
    variance, the between-period variance τ², the variance of the mean, and the look's α."""

    mean: float
    within: float
    between: float
    mean_variance: float
    df: int
    n: int
    alpha: float


def drop_baseline(history: Sequence[PeriodScores], *, design: DropDesign) -> DropBaseline | None:
    """The baseline of ``history`` (oldest first, the periods before the current one), without its
    ``design.guard_periods`` most recent; None without enough baseline. One baseline serves every
    look at a period so far."""
    recent = history[: len(history) - design.guard_periods] if design.guard_periods else history
    baseline = [p for p in recent[-design.baseline_periods :] if p.n > 1]
    if len(baseline) < design.min_baseline_periods:
        return None
    within = sum((p.n - 1) * p.variance for p in baseline) / sum(p.n - 1 for p in baseline)
    within = max(within, 1e-9)
    tau2 = _between_variance(baseline, within)
    weights = [1.0 / (within / p.n + tau2) for p in baseline]
    mu = sum(w * p.mean for w, p in zip(weights, baseline, strict=True)) / sum(weights)
    n = sum(p.n for p in baseline)
    return DropBaseline(mu, within, tau2, 1.0 / sum(weights), len(baseline) - 1, n,
                        design.look_alpha(n / len(baseline)))  # fmt: skip


def dropping(history: Sequence[PeriodScores], current: PeriodScores, *, design: DropDesign) -> DropTest:
    """Test whether ``current`` falls below what the ``history`` (oldest first, the periods before
    the current one) predicts. Untestable (p = 1) without enough baseline or current responses."""
    return dropping_against(drop_baseline(history, design=design), current, design=design)


def dropping_against(baseline: DropBaseline | None, current: PeriodScores, *, design: DropDesign) -> DropTest:
    """``current`` against the baseline (one-sided, falling)."""
    if baseline is None or current.n < design.min_responses:
        n = baseline.n if baseline else 0
        return DropTest(current.mean, 0.0, current.n, n, 0.0, 0.0, 1.0, 0.0, False)
    se = math.sqrt(drop_variance(baseline, n=current.n, variance=current.variance))
    drop = baseline.mean - current.mean
    half = float(t.ppf(0.5 + INTERVAL / 2, baseline.df)) * se
    return DropTest(
        value=current.mean,
        baseline=baseline.mean,
        n=current.n,
        baseline_n=baseline.n,
        low=drop - half,
        high=drop + half,
        p_value=float(t.sf(drop / se, baseline.df)),
        between=math.sqrt(baseline.between),
        testable=True,
        alpha=baseline.alpha,
    )


def drop_variance(baseline: DropBaseline, *, n: int, variance: float) -> float:
    """The variance of (baseline − current) for a current period of ``n`` respondents whose sample
    variance is ``variance``: sampling (never below the baseline's within-period variance), plus
    the between-period drift, plus the uncertainty of the baseline's mean."""
    within = max(baseline.within, variance) if n > 1 else baseline.within
    return within / n + baseline.between + baseline.mean_variance


def alarms(test: DropTest, *, design: DropDesign) -> bool:
    """True when the drop passes its look's α (the volume gate is in `dropping`)."""
    return test.testable and test.p_value <= test.alpha and test.drop > 0


def _between_variance(baseline: Sequence[PeriodScores], within: float) -> float:
    """An upper bound of τ² (Q-profile at the lower quartile of χ²): too low a τ² means too many alarms."""
    target = float(chi2.ppf(TAU_QUANTILE, len(baseline) - 1))

    def q(tau2: float) -> float:
        weights = [1.0 / (within / p.n + tau2) for p in baseline]
        mu = sum(w * p.mean for w, p in zip(weights, baseline, strict=True)) / sum(weights)
        return sum(w * (p.mean - mu) ** 2 for w, p in zip(weights, baseline, strict=True))

    if q(0.0) <= target:
        return 0.0
    low, high = 0.0, max(within, 1.0)
    while q(high) > target:
        high *= 4
    for _ in range(50):
        middle = (low + high) / 2
        low, high = (middle, high) if q(middle) > target else (low, middle)
    return high
