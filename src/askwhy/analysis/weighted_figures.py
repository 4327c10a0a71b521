"""Every figure a reader sees, raw and weighted under one set of weights.

The metric (NPS, CSAT or CES) and the shares (negative responses, each theme's mentions) come with
their raw twin, effective n, design effect and an interval that accounts for the weights
(`askwhy.analysis.weighted_metrics`). A theme's impact is the overall metric minus the metric of
the responders who do not mention it, as the drivers define it, computed once with equal weights and
once with the weights (a point estimate: its interval is the drivers' bootstrap, which is raw).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from askwhy.analysis.weighted_metrics import (
    WeightedEstimate,
    WeightedShare,
    weighted_estimate,
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
    w = np.asarray(weights.values, dtype=np.float64)
    return WeightedFigures(
        weights=weights,
        metric=weighted_estimate(scores, weights, metric=metric, statistic=statistic, confidence=confidence),
        negative=None if negative is None else weighted_share(negative, weights, confidence=confidence),
        themes=tuple(
            (theme, weighted_share(flags, weights, confidence=confidence)) for theme, flags in themes.items()
        ),
        impacts=tuple(
            _impact(theme, values, w, np.asarray(flags, dtype=bool)) for theme, flags in themes.items()
        ),
    )


def _impact(theme: str, values: np.ndarray, w: np.ndarray, mentioned: np.ndarray) -> WeightedImpact:
    rest = ~mentioned
    if not rest.any():
        return WeightedImpact(theme, None, None)
    raw = float(values.mean() - values[rest].mean())
    weighted = float(w @ values / w.sum() - w[rest] @ values[rest] / w[rest].sum())
    return WeightedImpact(theme, raw, weighted)
