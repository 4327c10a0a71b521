"""NPS, CSAT, CES and shares weighted to the invited population, beside the raw figures.

The weighted value is the ratio (Hájek) mean Σwᵢyᵢ / Σwᵢ of each responder's contribution (+100,
0 or −100 for NPS; 100 or 0 for a top-2-box or a share; the score for a mean). Its interval comes
from Taylor linearisation of that ratio with the residuals of the weighting's own calibration
(Deville & Särndal 1992): each responder's value minus the weighted fit on the cells or margin
categories the weights were calibrated on, so the variance a post-stratification or raking removes
is not counted. With expansion weights (the invited population's size known) each responder's
term carries the finite-population correction 1 − 1/wᵢ, since the target is the figure of
everyone invited, not of an endless population. The critical value is Student's t with
n − (calibration parameters) degrees of freedom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from askwhy.analysis.weighting import FloatArray, Weights
from askwhy.domain.distributions import t_critical
from askwhy.domain.metrics import (
    MetricEstimate,
    Statistic,
    estimate,
    resolve_statistic,
    respondent_value,
    wilson_interval,
)
from askwhy.domain.scales import SCALES, Metric

METHOD = "linearisation (calibration residuals, finite-population corrected)"


@dataclass(frozen=True)
class WeightedMean:
    """A weighted mean of per-responder values with its linearised standard error."""

    value: float
    standard_error: float
    degrees_of_freedom: int


@dataclass(frozen=True)
class WeightedEstimate:
    """A metric raw and weighted, with what the weighting rests on and how far to trust it."""

    raw: MetricEstimate
    value: float
    low: float | None
    high: float | None
    n: int
    effective_n: float
    design_effect: float
    confidence: float
    method: str
    """How the weighted interval was computed."""
    weighting: str
    """How the weights were made (``post-stratification``, ``raking``, ``response propensity``)."""
    attributes: tuple[str, ...]
    warnings: tuple[str, ...]
    standard_error: float = math.nan
    """The weighted value's linearised standard error (NaN: too few responders to tell)."""
    degrees_of_freedom: int = 0

    @property
    def shift(self) -> float:
        """Weighted minus raw: how much the figure moves once the silent are accounted for."""
        return self.value - self.raw.value


@dataclass(frozen=True)
class WeightedShare:
    """A share of responders (negative, mentioning a theme) in %, raw and weighted."""

    raw: float
    raw_low: float
    raw_high: float
    value: float
    low: float
    high: float
    n: int
    effective_n: float
    design_effect: float
    confidence: float
    method: str
    weighting: str
    attributes: tuple[str, ...]
    warnings: tuple[str, ...]


def weighted_mean(values: Sequence[float] | FloatArray, weights: Weights) -> WeightedMean:
    """The ratio mean of ``values`` under ``weights`` and its calibration-aware linearised SE."""
    y = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights.values, dtype=np.float64)
    if y.size != w.size:
        raise ValueError(f"{y.size} values but {w.size} weights: one weight per responder")
    if y.size == 0:
        raise ValueError("a weighted estimate needs at least one response")
    total = float(w.sum())
    mean = float(w @ y) / total
    design = _design(weights.calibration)
    # Weighted least squares through its (small) normal equations; lstsq's minimum-norm solution
    # copes with the redundant indicator columns, and the fitted values are unique either way.
    weighted = design * w[:, None]
    coefficients, _, rank, _ = np.linalg.lstsq(design.T @ weighted, weighted.T @ y, rcond=None)
    residuals = y - design @ coefficients
    fpc = np.clip(1.0 - 1.0 / w, 0.0, 1.0) if weights.population_size else np.ones_like(w)
    df = y.size - int(rank)
    if df < 1:
        return WeightedMean(value=mean, standard_error=math.nan, degrees_of_freedom=0)
    variance = float(np.sum(fpc * (w * residuals) ** 2)) / total**2 * y.size / df
    return WeightedMean(value=mean, standard_error=math.sqrt(variance), degrees_of_freedom=df)


def weighted_estimate(
    scores: Sequence[int],
    weights: Weights,
    *,
    metric: Metric,
    statistic: Statistic | None = None,
    confidence: float = 0.95,
) -> WeightedEstimate:
    """A metric over the responders' ``scores``, raw (as :func:`estimate`) and weighted by ``weights``."""
    chosen = resolve_statistic(metric, statistic)
    raw = estimate(scores, metric=metric, statistic=chosen, confidence=confidence)
    values = [respondent_value(score, metric=metric, statistic=chosen) for score in scores]
    mean = weighted_mean(values, weights)
    low, high = interval(mean, confidence)
    scale = SCALES[metric]
    floor, ceiling = {Statistic.NPS: (-100.0, 100.0), Statistic.TOP2BOX: (0.0, 100.0)}.get(
        chosen, (float(scale.low), float(scale.high))
    )
    return WeightedEstimate(
        raw=raw,
        value=mean.value,
        low=None if low is None else max(floor, low),
        high=None if high is None else min(ceiling, high),
        n=weights.n,
        effective_n=weights.effective_n,
        design_effect=weights.design_effect,
        confidence=confidence,
        method=METHOD,
        weighting=weights.method,
        attributes=weights.attributes,
        warnings=weights.warnings,
        standard_error=mean.standard_error,
        degrees_of_freedom=mean.degrees_of_freedom,
    )


def weighted_share(flags: Sequence[bool], weights: Weights, *, confidence: float = 0.95) -> WeightedShare:
    """The share of responders for whom ``flags`` holds, in %, raw (Wilson) and weighted."""
    n = len(flags)
    hits = sum(bool(flag) for flag in flags)
    raw_low, raw_high = wilson_interval(hits, n, confidence=confidence)
    mean = weighted_mean([100.0 if flag else 0.0 for flag in flags], weights)
    low, high = interval(mean, confidence)
    return WeightedShare(
        raw=100.0 * hits / n,
        raw_low=100.0 * raw_low,
        raw_high=100.0 * raw_high,
        value=mean.value,
        low=0.0 if low is None else max(0.0, low),
        high=100.0 if high is None else min(100.0, high),
        n=n,
        effective_n=weights.effective_n,
        design_effect=weights.design_effect,
        confidence=confidence,
        method=METHOD,
        weighting=weights.method,
        attributes=weights.attributes,
        warnings=weights.warnings,
    )


def interval(mean: WeightedMean, confidence: float) -> tuple[float | None, float | None]:
    """The Student-t interval around a weighted mean (or difference of them); None, None without
    degrees of freedom."""
    if mean.degrees_of_freedom < 1 or not math.isfinite(mean.standard_error):
        return None, None
    half = t_critical(confidence, mean.degrees_of_freedom) * mean.standard_error
    return mean.value - half, mean.value + half


def _design(calibration: tuple[tuple[str, ...], ...]) -> FloatArray:
    """An intercept and one indicator per calibration cell (redundant columns are fine for lstsq)."""
    labels = sorted({label for cells in calibration for label in cells})
    column = {label: j + 1 for j, label in enumerate(labels)}
    design = np.zeros((len(calibration), len(labels) + 1))
    design[:, 0] = 1.0
    for i, cells in enumerate(calibration):
        for label in cells:
            design[i, column[label]] = 1.0
    return design
