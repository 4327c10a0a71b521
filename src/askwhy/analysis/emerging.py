"""Emerging issues: is a theme's share of responses rising beyond what its own history allows?

The test is designed for a known false-alarm rate, not a habit such as "two standard deviations".
For one theme, the mentions in the current period are compared with a beta-binomial predictive
distribution built from a trailing baseline of periods:

- the baseline share p̂ is the pooled share of responses mentioning the theme;
- the share drifts from period to period more than sampling alone explains (over-dispersion): the
  intra-period correlation ρ is bounded from above by the baseline's Pearson statistic;
- p̂ itself is uncertain (a short baseline or a rare theme): the predictive's concentration
  κ = 1 / (1/N + ρ/(1−ρ)) − 1 shrinks with both, so a theme seen 3 times in 56 days cannot alarm on 4.

The current count is tested against that predictive (one-sided, upper tail). With P periods a year
and a target of F false alarms per theme-year, each theme's period gets α = F / P, so a theme with
nothing going on alarms at most F times a year. The period is tested as it fills (after every
analysed batch), and any of those looks may alarm, so each look runs at α / (2·ln n), n the
responses of a typical period (`Design.look_alpha`): the benchmark measures the false alarms of
that continuous check, not only of one test per day. Across the themes of one check, an alarm must also
pass Benjamini–Hochberg at the false discovery rate q (default 10%): of the alarms a check raises,
at most q are expected to be false. A minimum number of mentions and of excess mentions gates
alarms on tiny counts, and a cooldown stops one episode from alarming on every period.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import beta, betabinom, binom, chi2

from askwhy.domain.changes import benjamini_hochberg

RHO_QUANTILE = 0.25
MAX_RHO = 0.5
PERIODS_PER_YEAR = {"hour": 24 * 365.25, "day": 365.25, "week": 365.25 / 7}


@dataclass(frozen=True)
class PeriodCount:
    """In one period: how many responses mention the theme, out of how many responses."""

    mentions: int
    total: int


@dataclass(frozen=True)
class Design:
    """How sensitive the detector is, stated as the false alarms a team accepts."""

    period: str = "day"
    false_alarms_per_theme_year: float = 1.0
    baseline_periods: int = 56
    guard_periods: int = 7
    """The most recent periods left out of the baseline, so that a rise under way for a few
    periods does not become its own baseline (as in Farrington's method)."""
    min_baseline_periods: int = 14
    min_mentions: int = 5
    min_excess: float = 3.0
    cooldown_periods: int = 7
    false_discovery_rate: float = 0.1
    checked_as_it_fills: bool = True
    """The current period is tested again after every analysed batch, not once when it is over."""
    sustained_part: float = 0.5
    """The part of the false-alarm budget spent on sustained rises (`askwhy.analysis.sustained_rise`);
    the rest goes to the test of the period so far. 0: no sustained test."""
    sustained_ratios: tuple[float, ...] = (1.5, 3.0)
    """The rises the sustained test is tuned to: each of its CUSUMs adds up evidence fastest for a
    share that many times the baseline's."""
    sustained_periods: int = 28
    """How many periods back a sustained rise may have begun (the baseline ends before them)."""

    @property
    def alpha(self) -> float:
        """The per-period false-alarm probability of the test of one period, which gives the yearly
        rate with the part of the budget left by the sustained test."""
        return self.false_alarms_per_theme_year * (1.0 - self.sustained_part) / PERIODS_PER_YEAR[self.period]

    def look_alpha(self, period_total: float) -> float:
        """The α of one look at a period so far, for a period of about ``period_total`` responses.

        Testing a growing count again and again is a sequential test: with α at every look, a
        theme alarms 2 to 6 times as often as designed (measured in ``bench/emerging_issues.py``).
        The looks of one period are strongly correlated, and the chance that any of them crosses
        grows with the log of how many there are (as for a random walk watched all along), so the
        period's α is divided by 2·ln(responses in a period)."""
        return self.alpha / looks_factor(period_total) if self.checked_as_it_fills else self.alpha


@dataclass(frozen=True)
class RisingTest:
    """One theme's current period against its baseline; ``p_value`` is one-sided (rising)."""

    mentions: int
    total: int
    expected: float
    share: float
    baseline_share: float
    ratio_low: float
    p_value: float
    dispersion: float
    testable: bool
    alpha: float = 0.0
    """The α this look is tested at (`Design.look_alpha`)."""

    @property
    def excess(self) -> float:
        return self.mentions - self.expected


@dataclass(frozen=True)
class Predictive:
    """What a theme's baseline predicts for a period: the pooled share, the over-dispersion allowed
    for, and the beta-binomial's parameters (a, b) for a period of any size."""

    share: float
    dispersion: float
    a: float
    b: float
    alpha: float
    """The α of one look at the current period (`Design.look_alpha` for the baseline's mean volume)."""


def predictive(history: Sequence[PeriodCount], *, design: Design) -> Predictive | None:
    """The baseline's predictive: ``history`` holds the periods before the current one, oldest
    first; the baseline is its last ``design.baseline_periods`` before the ``design.guard_periods``
    most recent. None without enough baseline. One predictive serves every look at a period so far."""
    guard = design.guard_periods
    recent = history[: len(history) - guard] if guard else history
    baseline = [p for p in recent[-design.baseline_periods :] if p.total > 0]
    if len(baseline) < design.min_baseline_periods:
        return None
    seen = sum(p.mentions for p in baseline)
    exposure = sum(p.total for p in baseline)
    p_hat = (seen + 0.5) / (exposure + 1.0)
    rho = _intra_period_correlation(baseline, p_hat)
    kappa = 1.0 / (1.0 / exposure + rho / (1.0 - rho)) - 1.0
    alpha = design.look_alpha(exposure / len(baseline))
    return Predictive(p_hat, rho, p_hat * kappa, (1.0 - p_hat) * kappa, alpha)


def rising(history: Sequence[PeriodCount], current: PeriodCount, *, design: Design) -> RisingTest:
    """Test whether ``current`` holds more mentions than the theme's ``history`` predicts
    (`predictive`). Untestable (p = 1) without enough baseline."""
    return rising_against(predictive(history, design=design), current)


def rising_against(baseline: Predictive | None, current: PeriodCount) -> RisingTest:
    """``current`` against the baseline's predictive (one-sided, upper tail)."""
    share = current.mentions / current.total if current.total else 0.0
    if baseline is None or current.total == 0:
        return RisingTest(current.mentions, current.total, 0.0, share, 0.0, 0.0, 1.0, 0.0, False)
    n, y, p_hat = current.total, current.mentions, baseline.share
    p_value = float(betabinom.sf(y - 1, n, baseline.a, baseline.b)) if y > 0 else 1.0
    return RisingTest(
        mentions=y,
        total=n,
        expected=n * p_hat,
        share=share,
        baseline_share=p_hat,
        ratio_low=ratio_low(y, n, p_hat, alpha=0.05),
        p_value=p_value,
        dispersion=baseline.dispersion,
        testable=True,
        alpha=baseline.alpha,
    )


def alarms(
    tests: Mapping[str, RisingTest], *, design: Design, cooling: frozenset[str] = frozenset()
) -> list[str]:
    """The themes that alarm in one check: each at its look's α and, across the testable themes,
    under Benjamini–Hochberg at the design's false discovery rate; then the volume gates. Themes in
    ``cooling`` (alarmed within the cooldown) stay quiet."""
    keys = [key for key, test in tests.items() if test.testable]
    if not keys:
        return []
    passed, _ = benjamini_hochberg([tests[key].p_value for key in keys], alpha=design.false_discovery_rate)
    return [
        key
        for key, discovered in zip(keys, passed, strict=True)
        if discovered
        and tests[key].p_value <= tests[key].alpha
        and key not in cooling
        and tests[key].mentions >= design.min_mentions
        and tests[key].excess >= design.min_excess
    ]


def elevated_periods(
    history: Sequence[PeriodCount], *, design: Design, level: float = 0.05, most: int | None = None
) -> int:
    """How many of the most recent periods of ``history`` in a row were elevated already (each
    tested against its own past at ``level``), so that an alarm can say since when it has been rising.
    Looks back at most ``most`` periods (the design's guard by default)."""
    most = design.guard_periods if most is None else most
    count = 0
    for back in range(1, min(most, len(history)) + 1):
        test = rising(history[: len(history) - back], history[len(history) - back], design=design)
        if not (test.testable and test.p_value <= level and test.excess > 0):
            break
        count = back
    return count


def novel(*, members: int, recent: int, background: float, min_size: int, majority: float = 0.5) -> bool:
    """A proposed theme is new when it is big enough, most of its members came in the recent days,
    and they came faster than the pool's background (the recent part of all analysed responses)."""
    if members < min_size or members == 0:
        return False
    part = recent / members
    return recent >= min_size and part > majority and part > background


def novelty_p(*, members: int, recent: int, background: float) -> float:
    """How surprising so many recent members are, had the theme grown like the background
    (binomial upper tail)."""
    if members == 0 or recent == 0:
        return 1.0
    return float(binom.sf(recent - 1, members, min(max(background, 1e-9), 1.0)))


def looks_factor(period_total: float) -> float:
    """How much stricter one look at a period so far is than the period's α: 2·ln(responses in a
    period), at least 1."""
    return max(1.0, 2.0 * math.log(max(period_total, 1.0)))


def _intra_period_correlation(baseline: Sequence[PeriodCount], p_hat: float) -> float:
    """An upper bound of ρ: the ρ at which the baseline's Pearson statistic falls to the lower
    quartile of its χ² distribution. A point estimate from a few weeks is noisy, and too low a ρ
    means too many alarms; the bound keeps the false-alarm rate at its design under that noise."""
    variance = max(p_hat * (1.0 - p_hat), 1e-12)
    totals = np.array([p.total for p in baseline], dtype=float)
    mentions = np.array([p.mentions for p in baseline], dtype=float)
    squares = (mentions - totals * p_hat) ** 2 / (totals * variance)
    target = float(chi2.ppf(RHO_QUANTILE, len(baseline) - 1))

    def pearson(rho: float) -> float:
        return float(np.sum(squares / (1.0 + (totals - 1.0) * rho)))

    if pearson(0.0) <= target:
        return 0.0
    low, high = 0.0, MAX_RHO
    if pearson(high) > target:
        return MAX_RHO
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if pearson(middle) > target else (low, middle)
    return high


def ratio_low(y: int, n: int, p_hat: float, *, alpha: float) -> float:
    """A lower bound of the current share over the baseline share (Clopper–Pearson on the share)."""
    if y == 0 or n == 0 or p_hat <= 0:
        return 0.0
    low = float(beta.ppf(alpha / 2, y, n - y + 1))
    return low / p_hat if math.isfinite(low) else 0.0
