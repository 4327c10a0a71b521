"""NPS, CSAT and CES as estimates with honest confidence intervals and the sample size behind them.

Every estimate is computed from a histogram of scores (score -> count), so the same code serves raw
responses, stored aggregates and the per-theme breakdowns of driver analysis.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from askwhy.domain.distributions import t_critical, z_critical
from askwhy.domain.scales import SCALES, Band, Metric, Scale


class Statistic(StrEnum):
    """How a metric's scores are summarised."""

    NPS = "nps"
    """% promoters (9–10) − % detractors (0–6), on −100..100."""
    TOP2BOX = "top2box"
    """% of scores in the top two boxes (CSAT 4–5, CES 6–7, NPS 9–10), on 0..100."""
    MEAN = "mean"
    """The mean score, on the metric's own scale."""


DEFAULT_STATISTIC: Mapping[Metric, Statistic] = {
    Metric.NPS: Statistic.NPS,
    Metric.CSAT: Statistic.TOP2BOX,
    Metric.CES: Statistic.MEAN,
}

_LABELS: Mapping[Metric, str] = {Metric.NPS: "NPS", Metric.CSAT: "CSAT", Metric.CES: "CES"}


def metric_label(metric: Metric, statistic: Statistic) -> str:
    """The name people read: "NPS", "CSAT" (top-2-box), "CSAT mean", "CES"."""
    base = _LABELS[metric]
    if statistic == DEFAULT_STATISTIC[metric]:
        return base
    return f"{base} mean" if statistic == Statistic.MEAN else f"{base} top-2-box"


def resolve_statistic(metric: Metric, statistic: Statistic | None) -> Statistic:
    """The statistic to use for a metric, refusing combinations that mean nothing."""
    if metric not in SCALES:
        raise ValueError(f"metric {metric.value!r} has no scale to estimate")
    chosen = DEFAULT_STATISTIC[metric] if statistic is None else statistic
    if chosen == Statistic.NPS and metric != Metric.NPS:
        raise ValueError(f"the NPS statistic applies only to NPS scores, not {metric.value}")
    return chosen


def respondent_value(score: int, *, metric: Metric, statistic: Statistic) -> float:
    """One respondent's contribution, whose mean over respondents is the statistic.

    NPS: +100 promoter, 0 passive, −100 detractor; top-2-box: 100 or 0; mean: the score itself.
    """
    band = SCALES[metric].band(score)
    if statistic == Statistic.NPS:
        return {Band.PROMOTER: 100.0, Band.DETRACTOR: -100.0}.get(band, 0.0)
    if statistic == Statistic.TOP2BOX:
        return 100.0 if band == Band.PROMOTER else 0.0
    return float(score)


@dataclass(frozen=True)
class MetricEstimate:
    """A metric value with its confidence interval and the responses behind it.

    ``low``/``high`` are None only when no interval exists (a mean from a single response).
    """

    metric: Metric
    statistic: Statistic
    value: float
    low: float | None
    high: float | None
    n: int
    confidence: float
    method: str
    histogram: Mapping[int, int]

    @property
    def label(self) -> str:
        return metric_label(self.metric, self.statistic)

    @property
    def counts(self) -> dict[Band, int]:
        """Responses per band: detractors, passives, promoters (for CSAT/CES: low, middle, top boxes)."""
        totals = dict.fromkeys((Band.DETRACTOR, Band.PASSIVE, Band.PROMOTER), 0)
        scale = SCALES[self.metric]
        for score, count in self.histogram.items():
            totals[scale.band(score)] += count
        return totals

    @property
    def std(self) -> float | None:
        """Sample standard deviation (n − 1) of the per-respondent values; None below two responses."""
        if self.n < 2:
            return None
        values = {
            s: respondent_value(s, metric=self.metric, statistic=self.statistic) for s in self.histogram
        }
        mean = sum(values[s] * c for s, c in self.histogram.items()) / self.n
        squares = sum((values[s] - mean) ** 2 * c for s, c in self.histogram.items())
        return math.sqrt(squares / (self.n - 1))


def wilson_interval(successes: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion, on 0..1 (always inside [0, 1])."""
    if n <= 0:
        raise ValueError("a proportion needs at least one response")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    z = z_critical(confidence)
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # At 0 and n successes the bounds are exactly 0 and 1; rounding would otherwise leave the estimate out.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def nps_adjusted(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """Adjusted-Wald NPS on −1..1 and its variance: add 0.75 promoters, 0.75 detractors, 3 respondents."""
    p_promoter = (promoters + 0.75) / (n + 3)
    p_detractor = (detractors + 0.75) / (n + 3)
    adjusted = p_promoter - p_detractor
    variance = (p_promoter + p_detractor - adjusted**2) / (n + 3)
    return adjusted, variance


def estimate_from_histogram(
    histogram: Mapping[int, int],
    *,
    metric: Metric,
    statistic: Statistic | None = None,
    confidence: float = 0.95,
) -> MetricEstimate:
    """Estimate a metric from score counts.

    Raises ValueError when there are no responses (an estimate of nothing is not zero) or when a
    score lies outside the metric's scale.
    """
    chosen = resolve_statistic(metric, statistic)
    scale = SCALES[metric]
    clean = _validated(histogram, metric=metric, scale=scale)
    n = sum(clean.values())
    if n == 0:
        raise ValueError(f"no {metric.value} responses: a metric needs at least one score")
    if chosen == Statistic.NPS:
        return _nps(clean, n, metric=metric, confidence=confidence)
    if chosen == Statistic.TOP2BOX:
        return _top2box(clean, n, metric=metric, scale=scale, confidence=confidence)
    return _mean(clean, n, metric=metric, scale=scale, confidence=confidence)


def estimate(
    scores: Iterable[int],
    *,
    metric: Metric,
    statistic: Statistic | None = None,
    confidence: float = 0.95,
) -> MetricEstimate:
    """Estimate a metric from raw scores; see :func:`estimate_from_histogram`."""
    return estimate_from_histogram(Counter(scores), metric=metric, statistic=statistic, confidence=confidence)


def nps_estimate(scores: Iterable[int], *, confidence: float = 0.95) -> MetricEstimate:
    """NPS: the raw NPS as the point estimate, with the adjusted-Wald interval (clipped to −100..100)."""
    return estimate(scores, metric=Metric.NPS, statistic=Statistic.NPS, confidence=confidence)


def csat_top2box_estimate(scores: Iterable[int], *, confidence: float = 0.95) -> MetricEstimate:
    """CSAT as % of scores 4–5 (of 1–5) with a Wilson interval."""
    return estimate(scores, metric=Metric.CSAT, statistic=Statistic.TOP2BOX, confidence=confidence)


def csat_mean_estimate(scores: Iterable[int], *, confidence: float = 0.95) -> MetricEstimate:
    """CSAT as the mean score (1–5) with a t interval."""
    return estimate(scores, metric=Metric.CSAT, statistic=Statistic.MEAN, confidence=confidence)


def ces_mean_estimate(scores: Iterable[int], *, confidence: float = 0.95) -> MetricEstimate:
    """CES as the mean score (1–7) with a t interval."""
    return estimate(scores, metric=Metric.CES, statistic=Statistic.MEAN, confidence=confidence)


def _validated(histogram: Mapping[int, int], *, metric: Metric, scale: Scale) -> dict[int, int]:
    clean: dict[int, int] = {}
    for score, count in histogram.items():
        if count < 0:
            raise ValueError(f"count for score {score} is negative ({count})")
        if count and (score != int(score) or not scale.contains(score)):
            raise ValueError(f"{metric.value} score {score} is outside {scale.low}–{scale.high}")
        if count:
            clean[int(score)] = int(count)
    return dict(sorted(clean.items()))


def _nps(histogram: dict[int, int], n: int, *, metric: Metric, confidence: float) -> MetricEstimate:
    promoters = sum(c for s, c in histogram.items() if s >= SCALES[metric].promoter_from)
    detractors = sum(c for s, c in histogram.items() if s < SCALES[metric].passive_from)
    adjusted, variance = nps_adjusted(promoters, detractors, n)
    half = z_critical(confidence) * math.sqrt(variance)
    return MetricEstimate(
        metric=metric,
        statistic=Statistic.NPS,
        value=100.0 * (promoters - detractors) / n,
        low=max(-100.0, 100.0 * (adjusted - half)),
        high=min(100.0, 100.0 * (adjusted + half)),
        n=n,
        confidence=confidence,
        method="adjusted Wald",
        histogram=histogram,
    )


def _top2box(
    histogram: dict[int, int], n: int, *, metric: Metric, scale: Scale, confidence: float
) -> MetricEstimate:
    top = sum(c for s, c in histogram.items() if s >= scale.promoter_from)
    low, high = wilson_interval(top, n, confidence=confidence)
    return MetricEstimate(
        metric=metric,
        statistic=Statistic.TOP2BOX,
        value=100.0 * top / n,
        low=100.0 * low,
        high=100.0 * high,
        n=n,
        confidence=confidence,
        method="Wilson",
        histogram=histogram,
    )


def _mean(
    histogram: dict[int, int], n: int, *, metric: Metric, scale: Scale, confidence: float
) -> MetricEstimate:
    mean = sum(s * c for s, c in histogram.items()) / n
    low: float | None = None
    high: float | None = None
    if n >= 2:
        sd = math.sqrt(sum((s - mean) ** 2 * c for s, c in histogram.items()) / (n - 1))
        half = t_critical(confidence, n - 1) * sd / math.sqrt(n)
        low, high = max(float(scale.low), mean - half), min(float(scale.high), mean + half)
    return MetricEstimate(
        metric=metric,
        statistic=Statistic.MEAN,
        value=mean,
        low=low,
        high=high,
        n=n,
        confidence=confidence,
        method="t",
        histogram=histogram,
    )
