"""Every figure a reader sees, raw and weighted under one set of weights.

The metric (NPS, CSAT or CES) and the shares (negative responses, each theme's mentions) come with
their raw twin, effective n, design effect and an interval that accounts for the weights
(`askwhy.analysis.weighted_metrics`). A theme's impact is the overall metric minus the metric of
the responders who do not mention it, as the drivers define it, computed once with equal weights and
once with the weights. The weighted impact's interval linearises that difference of two ratio
means: each responder's influence is its deviation from the overall mean, less (for those who do
not mention the theme) its deviation from their mean scaled by Σw / Σw(rest); the weighted mean of
those influences has the impact's standard error under the same calibration residuals and
finite-population correction as the metric's own interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from askwhy.analysis.weighted_metrics import (
    WeightedEstimate,
    WeightedShare,
    interval,
    weighted_estimate,
    weighted_mean,
    weighted_share,
)
from askwhy.analysis.weighting import Weights
from askwhy.domain.metrics import resolve_statistic, respondent_value
from askwhy.domain.scales import Metric


@dataclass(frozen=True)
class WeightedImpact:
    """How many points of the metric a theme moves it by, raw and weighted."""

    theme: str
    raw: float | None
    weighted: float | None
    """None when every responder mentions the theme: there is nobody to compare with."""
    low: float | None = None
    high: float | None = None
    """The weighted impact's interval (None: too few responders on one side to tell)."""


@dataclass(frozen=True)
class WeightedFigures:
    weights: Weights
    metric: WeightedEstimate
    negative: WeightedShare | None
    """Share of responses whose overall sentiment is negative; None when none was analysed."""
    themes: tuple[tuple[str, WeightedShare], ...]
    """Theme → the share of responders mentioning it."""
    impacts: tuple[WeightedImpact, ...]


def weighted_figures(
    scores: Sequence[int],
    weights: Weights,
    *,
    metric: Metric,
    negative: Sequence[bool] | None = None,
    mentions: Mapping[str, Sequence[bool]] | None = None,
    confidence: float = 0.95,
) -> WeightedFigures:
    """The figures of the responders (one score, flag and mention per responder, in the weights' order)."""
    themes = mentions or {}
    for what, flags in [("negative", negative or scores), *themes.items()]:
        if len(flags) != len(scores):
            raise ValueError(f"{what}: {len(flags)} flags for {len(scores)} responders")
    statistic = resolve_statistic(metric, None)
    values = np.array([respondent_value(score, metric=metric, statistic=statistic) for score in scores])
    return WeightedFigures(
        weights=weights,
        metric=weighted_estimate(scores, weights, metric=metric, statistic=statistic, confidence=confidence),
        negative=None if negative is None else weighted_share(negative, weights, confidence=confidence),
        themes=tuple(
            (theme, weighted_share(flags, weights, confidence=confidence)) for theme, flags in themes.items()
        ),
        impacts=tuple(
            _impact(theme, values, weights, np.asarray(flags, dtype=bool), confidence)
            for theme, flags in themes.items()
        ),
    )


def _impact(
    theme: str, values: np.ndarray, weights: Weights, mentioned: np.ndarray, confidence: float
) -> WeightedImpact:
    rest = ~mentioned
    if not rest.any():
        return WeightedImpact(theme, None, None)
    w = np.asarray(weights.values, dtype=np.float64)
    raw = float(values.mean() - values[rest].mean())
    overall, others = float(w @ values / w.sum()), float(w[rest] @ values[rest] / w[rest].sum())
    influence = (values - overall) - rest * (values - others) * (w.sum() / w[rest].sum())
    spread = weighted_mean(influence, weights)
    low, high = interval(replace(spread, value=overall - others), confidence)
    return WeightedImpact(theme, raw, overall - others, low, high)
