"""The weighted change between two periods and the interval of a theme's weighted impact."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from askwhy.analysis.weighted_change import weighted_change
from askwhy.analysis.weighted_figures import WeightedImpact, weighted_figures
from askwhy.analysis.weighted_metrics import weighted_estimate
from askwhy.analysis.weighting import Weights
from askwhy.domain.distributions import t_critical
from askwhy.domain.scales import Metric


def uncalibrated(weights: np.ndarray) -> Weights:
    """Weights given from outside: the interval counts every responder's deviation from the mean."""
    return Weights(
        values=tuple(float(w) for w in weights), method="post-stratification", attributes=("plan",),
        population_size=None, calibration=tuple(() for _ in weights),
    )  # fmt: skip


def test_the_weighted_change_is_the_difference_with_a_welch_interval() -> None:
    rng = np.random.default_rng(7)
    sides = []
    for size in (80, 120):
        scores = list(rng.integers(0, 11, size))
        sides.append(weighted_estimate(scores, uncalibrated(rng.uniform(0.5, 2.0, size)), metric=Metric.NPS))
    before, after = sides
    change = weighted_change(before, after)
    assert change.value == pytest.approx(after.value - before.value)
    assert change.raw == pytest.approx(after.raw.value - before.raw.value)
    se = math.hypot(before.standard_error, after.standard_error)
    df = int(
        se**4
        / (
            before.standard_error**4 / before.degrees_of_freedom
            + after.standard_error**4 / after.degrees_of_freedom
        )
    )
    half = t_critical(0.95, df) * se
    assert (change.low, change.high) == pytest.approx((change.value - half, change.value + half))
    assert change.significant is (change.low > 0 or change.high < 0)


def test_a_side_without_an_error_leaves_the_change_without_an_interval() -> None:
    scores = [10, 9, 3, 0, 7, 8]
    side = weighted_estimate(scores, uncalibrated(np.ones(6)), metric=Metric.NPS)
    change = weighted_change(replace(side, standard_error=math.nan, degrees_of_freedom=0), side)
    assert change.value == 0.0
    assert (change.low, change.high, change.significant) == (None, None, False)


def test_a_clear_shift_is_significant() -> None:
    low_side = weighted_estimate([0, 1, 2, 3] * 30, uncalibrated(np.ones(120)), metric=Metric.NPS)
    high_side = weighted_estimate([10, 9, 10, 9] * 30, uncalibrated(np.ones(120)), metric=Metric.NPS)
    change = weighted_change(low_side, high_side)
    assert change.value == pytest.approx(200.0)
    assert change.significant


def test_the_weighted_impact_interval_matches_a_bootstrap_of_responders() -> None:
    rng = np.random.default_rng(1)
    n = 600
    mentioned = rng.random(n) < 0.3
    scores = np.where(mentioned, np.clip(rng.integers(0, 11, n) - 3, 0, 10), rng.integers(0, 11, n))
    weights = rng.uniform(0.5, 2.5, n)

    def impact(rows: np.ndarray) -> WeightedImpact:
        figures = weighted_figures(
            [int(s) for s in scores[rows]], uncalibrated(weights[rows]), metric=Metric.NPS,
            mentions={"price": [bool(m) for m in mentioned[rows]]},
        )  # fmt: skip
        return figures.impacts[0]

    found = impact(np.arange(n))
    assert found.low is not None
    assert found.high is not None
    assert found.weighted is not None
    assert found.low < found.weighted < found.high
    linearised = (found.high - found.low) / (2 * t_critical(0.95, n - 1))
    resampled = np.std([impact(rng.integers(0, n, n)).weighted for _ in range(300)])
    assert linearised == pytest.approx(resampled, rel=0.15)


def test_a_theme_everyone_mentions_has_no_impact_and_no_interval() -> None:
    figures = weighted_figures(
        [10, 3, 8], uncalibrated(np.ones(3)), metric=Metric.NPS, mentions={"all": [True] * 3}
    )
    [impact] = figures.impacts
    assert (impact.weighted, impact.low, impact.high) == (None, None, None)
