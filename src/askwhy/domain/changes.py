"""Period-over-period changes of a metric, called a change only when it is statistically significant.

Tests by statistic: NPS — a z test on the difference of adjusted-Wald NPS values; top-2-box — the
Newcombe hybrid score interval (method 10) with a pooled two-proportion z test; means — Welch's t.
Across many segments, p-values are adjusted with Benjamini–Hochberg.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from askwhy.domain.distributions import normal_p_value, t_critical, t_p_value, z_critical
from askwhy.domain.metrics import MetricEstimate, Statistic, nps_adjusted, wilson_interval
from askwhy.domain.scales import Band


@dataclass(frozen=True)
class MetricChange:
    """The change from ``before`` to ``after`` with its (1 − alpha) interval and two-sided p-value.

    ``delta`` is after − before in the metric's units (NPS points, top-2-box percentage points, scale
    points for means). ``low``/``high``/``p_value`` are None when no test is possible (a mean from
    fewer than two responses, or two constant samples); such a change is never significant.
    ``p_adjusted`` is set when the change was judged among many (Benjamini–Hochberg); ``significant``
    then refers to the adjusted p-value.
    """

    before: MetricEstimate
    after: MetricEstimate
    delta: float
    low: float | None
    high: float | None
    p_value: float | None
    significant: bool
    method: str
    alpha: float = 0.05
    p_adjusted: float | None = None

    @property
    def label(self) -> str:
        return self.after.label


def compare(before: MetricEstimate, after: MetricEstimate, *, alpha: float = 0.05) -> MetricChange:
    """Test the change between two estimates of the same metric and statistic."""
    if (before.metric, before.statistic) != (after.metric, after.statistic):
        raise ValueError(
            f"cannot compare {before.metric.value}/{before.statistic.value} "
            f"with {after.metric.value}/{after.statistic.value}"
        )
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if before.statistic == Statistic.NPS:
        return _nps_change(before, after, alpha)
    if before.statistic == Statistic.TOP2BOX:
        return _proportion_change(before, after, alpha)
    return _welch_change(before, after, alpha)


def newcombe_interval(
    successes_after: int, n_after: int, successes_before: int, n_before: int, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for p_after − p_before, on −1..1."""
    p1, p0 = successes_after / n_after, successes_before / n_before
    l1, u1 = wilson_interval(successes_after, n_after, confidence=confidence)
    l0, u0 = wilson_interval(successes_before, n_before, confidence=confidence)
    delta = p1 - p0
    low = delta - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = delta + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return low, high


def benjamini_hochberg(p_values: Sequence[float], *, alpha: float = 0.05) -> tuple[list[bool], list[float]]:
    """Benjamini–Hochberg step-up: which hypotheses to reject at false discovery rate ``alpha``, and the
    adjusted p-values (monotone in the raw p-values, capped at 1)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * (m / rank))
        adjusted[index] = running
    return [p < alpha for p in adjusted], adjusted


def adjust_for_many(changes: Sequence[MetricChange], *, alpha: float = 0.05) -> list[MetricChange]:
    """Judge a family of changes (e.g. one per segment) together, controlling the false discovery rate.

    Changes without a p-value stay not significant and do not count in the family.
    """
    tested = [i for i, change in enumerate(changes) if change.p_value is not None]
    reject, adjusted = benjamini_hochberg([changes[i].p_value or 0.0 for i in tested], alpha=alpha)
    result = list(changes)
    for position, index in enumerate(tested):
        change = changes[index]
        excludes_zero = (
            change.low is not None and change.high is not None and not change.low <= 0 <= change.high
        )
        significant = reject[position] and (excludes_zero or change.before.statistic != Statistic.TOP2BOX)
        result[index] = replace(change, p_adjusted=adjusted[position], significant=significant, alpha=alpha)
    return result


def _nps_change(before: MetricEstimate, after: MetricEstimate, alpha: float) -> MetricChange:
    adjusted0, variance0 = _adjusted(before)
    adjusted1, variance1 = _adjusted(after)
    se = math.sqrt(variance0 + variance1)
    difference = adjusted1 - adjusted0
    half = z_critical(1.0 - alpha) * se
    p_value = normal_p_value(difference / se)
    return MetricChange(
        before=before,
        after=after,
        delta=after.value - before.value,
        low=max(-200.0, 100.0 * (difference - half)),
        high=min(200.0, 100.0 * (difference + half)),
        p_value=p_value,
        significant=p_value < alpha,
        method="z test on adjusted-Wald NPS",
        alpha=alpha,
    )


def _adjusted(estimate: MetricEstimate) -> tuple[float, float]:
    counts = estimate.counts
    return nps_adjusted(counts[Band.PROMOTER], counts[Band.DETRACTOR], estimate.n)


def _proportion_change(before: MetricEstimate, after: MetricEstimate, alpha: float) -> MetricChange:
    x0, x1 = before.counts[Band.PROMOTER], after.counts[Band.PROMOTER]
    n0, n1 = before.n, after.n
    low, high = newcombe_interval(x1, n1, x0, n0, confidence=1.0 - alpha)
    pooled = (x0 + x1) / (n0 + n1)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    p_value = normal_p_value((x1 / n1 - x0 / n0) / se) if se > 0 else 1.0
    return MetricChange(
        before=before,
        after=after,
        delta=after.value - before.value,
        low=100.0 * low,
        high=100.0 * high,
        p_value=p_value,
        significant=p_value < alpha and not low <= 0 <= high,
        method="Newcombe hybrid score interval, pooled z test",
        alpha=alpha,
    )


def _welch_change(before: MetricEstimate, after: MetricEstimate, alpha: float) -> MetricChange:
    delta = after.value - before.value
    sd0, sd1 = before.std, after.std
    untestable = MetricChange(before, after, delta, None, None, None, False, "Welch t", alpha)
    if sd0 is None or sd1 is None:
        return untestable
    v0, v1 = sd0**2 / before.n, sd1**2 / after.n
    se = math.sqrt(v0 + v1)
    if se == 0:
        return untestable
    df = (v0 + v1) ** 2 / (v0**2 / (before.n - 1) + v1**2 / (after.n - 1))
    half = t_critical(1.0 - alpha, df) * se
    p_value = t_p_value(delta / se, df)
    return MetricChange(
        before=before,
        after=after,
        delta=delta,
        low=delta - half,
        high=delta + half,
        p_value=p_value,
        significant=p_value < alpha,
        method="Welch t",
        alpha=alpha,
    )
