"""Key drivers: mention metrics, the "NPS impact", and Johnson's relative weights with bootstrap CIs."""

from __future__ import annotations

import numpy as np
import pytest

from askwhy.analysis.drivers import analyse_drivers, driver_rows
from askwhy.analysis.relative_weights import bootstrap_relative_weights, relative_weights
from askwhy.analysis.themed import ThemedScores
from askwhy.domain.metrics import Statistic
from askwhy.domain.scales import Metric


def _r_squared(x: np.ndarray, y: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(y)), x])
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return float(1 - residual.var() / y.var())


def test_orthogonal_predictors_get_their_squared_correlations() -> None:
    # A balanced 2×2 design: x1 and x2 are uncorrelated, so each weight is r²(x, y).
    x = np.array([[1, 1], [1, 1], [1, 0], [1, 0], [0, 1], [0, 1], [0, 0], [0, 0]], dtype=float)
    y = np.array([100, 100, 0, 100, -100, 0, -100, -100], dtype=float)
    # mean y = 0, var y = 6 × 100² / 8 = 7500, sd = 86.6025; var x = 0.25, sd = 0.5
    # cov(x1, y) = (100 + 100 + 0 + 100) / 8 = 37.5 → r1 = 37.5 / (0.5 × 86.6025) = 0.866025, r1² = 0.75
    # cov(x2, y) = (100 + 100 − 100 + 0) / 8 = 12.5 → r2 = 0.288675, r2² = 1/12 = 0.083333
    weights, r_squared = relative_weights(x, y)
    assert weights == pytest.approx([0.75, 1 / 12])
    assert r_squared == pytest.approx(0.75 + 1 / 12)
    assert r_squared == pytest.approx(_r_squared(x, y))


def test_relative_weights_sum_to_r_squared_on_correlated_themes() -> None:
    rng = np.random.default_rng(11)
    for _ in range(20):
        n, k = 400, int(rng.integers(1, 8))
        latent = rng.random(n)
        x = (rng.random((n, k)) < latent[:, None] * rng.random(k)).astype(float)
        y = x @ rng.normal(0, 30, k) + rng.normal(0, 40, n)
        weights, r_squared = relative_weights(x, y)
        assert np.all(weights >= -1e-12)
        assert weights.sum() == pytest.approx(r_squared, rel=1e-9)
        assert r_squared == pytest.approx(_r_squared(x, y), rel=1e-9)


def test_duplicate_and_constant_themes_are_handled() -> None:
    rng = np.random.default_rng(2)
    mention = (rng.random(300) < 0.3).astype(float)
    x = np.column_stack([mention, mention, np.zeros(300)])
    y = -80 * mention + rng.normal(0, 30, 300)
    weights, r_squared = relative_weights(x, y)
    assert weights[0] == pytest.approx(weights[1])  # twins share the weight
    assert weights[2] == 0.0  # never mentioned
    assert weights.sum() == pytest.approx(r_squared)
    assert r_squared == pytest.approx(_r_squared(mention[:, None], y))


def _survey(n: int, seed: int = 0) -> ThemedScores:
    rng = np.random.default_rng(seed)
    late = rng.random(n) < 0.15
    noise_theme = rng.random(n) < 0.3
    scores = rng.choice([10, 9, 8, 7, 5], size=n, p=[0.35, 0.2, 0.2, 0.1, 0.15])
    scores = np.where(late & (rng.random(n) < 0.8), rng.integers(0, 5, n), scores)
    sentiment = np.full((n, 2), np.nan)
    sentiment[late, 0] = -0.6
    sentiment[noise_theme, 1] = 0.2
    return ThemedScores.build(
        themes=["late delivery", "packaging"],
        mentions=np.column_stack([late, noise_theme]),
        scores=scores,
        sentiment=sentiment,
    )


def test_bootstrap_separates_a_real_driver_from_a_random_theme() -> None:
    report = analyse_drivers(_survey(1500), metric=Metric.NPS, resamples=200, seed=1)
    late, packaging = report.drivers
    assert late.theme == "late delivery"
    assert late.significant
    assert not packaging.significant
    assert late.weight_low <= late.weight <= late.weight_high
    assert report.r_squared_low <= report.r_squared <= report.r_squared_high
    assert late.weight + packaging.weight == pytest.approx(report.r_squared)
    assert late.mean_sentiment == pytest.approx(-0.6)
    assert late.impact is not None
    assert late.impact < 0


def test_bootstrap_is_reproducible_with_a_seed() -> None:
    data = _survey(300)
    first = analyse_drivers(data, metric=Metric.NPS, resamples=50, seed=7)
    second = analyse_drivers(data, metric=Metric.NPS, resamples=50, seed=7)
    assert first == second


def test_mention_metrics_and_nps_impact_worked_example() -> None:
    # 6 responses. Mentioning "late": scores 2, 3, 9 (2 detractors, 1 promoter → NPS −33.3).
    # Not mentioning: 10, 10, 8 (2 promoters, 1 passive → NPS 66.7).
    # Overall: 3 promoters, 2 detractors of 6 → NPS 16.7; NPS impact = 16.7 − 66.7 = −50.
    data = ThemedScores.build(
        themes=["late", "price"],
        mentions=[[1, 0], [1, 0], [1, 1], [0, 0], [0, 0], [0, 1]],
        scores=[2, 3, 9, 10, 10, 8],
        sentiment=[[-0.8, np.nan], [-0.4, np.nan], [0.0, 0.5], [np.nan] * 2, [np.nan] * 2, [np.nan, 0.1]],
    )
    report = analyse_drivers(data, metric=Metric.NPS, resamples=20)
    late = next(d for d in report.drivers if d.theme == "late")
    assert (late.mentions, late.share) == (3, 0.5)
    assert late.mean_sentiment == pytest.approx(-0.4)  # (−0.8 − 0.4 + 0) / 3
    assert late.with_theme is not None
    assert late.without_theme is not None
    assert late.with_theme.value == pytest.approx(-100 / 3)
    assert late.without_theme.value == pytest.approx(200 / 3)
    assert (late.with_theme.n, late.without_theme.n) == (3, 3)
    assert report.overall.value == pytest.approx(100 / 6)
    assert late.impact == pytest.approx(100 / 6 - 200 / 3)
    assert report.impact_label == "NPS impact"
    row = next(r for r in driver_rows(report) if r["theme"] == "late")
    assert row["NPS impact"] == -50.0
    assert row["NPS with theme"] == -33.33


def test_csat_impact_is_labelled_for_its_metric() -> None:
    data = ThemedScores.build(themes=["rude"], mentions=[[1], [0], [0], [1]], scores=[1, 5, 4, 4])
    report = analyse_drivers(data, metric=Metric.CSAT, resamples=20)
    # top-2-box overall 3/4 = 75%; without "rude" 2/2 = 100% → CSAT impact −25
    assert report.statistic == Statistic.TOP2BOX
    assert report.impact_label == "CSAT impact"
    assert driver_rows(report)[0]["CSAT impact"] == -25.0


def test_all_promoters_leave_nothing_to_explain() -> None:
    data = ThemedScores.build(themes=["staff"], mentions=[[1], [0], [1], [0]], scores=[9, 10, 10, 9])
    report = analyse_drivers(data, metric=Metric.NPS, resamples=20)
    [staff] = report.drivers
    assert report.r_squared == 0.0
    assert (staff.weight, staff.significant, staff.impact) == (0.0, False, 0.0)


def test_a_theme_everyone_mentions_has_no_impact_figure() -> None:
    data = ThemedScores.build(themes=["all"], mentions=[[1], [1], [1]], scores=[2, 9, 10])
    [driver] = analyse_drivers(data, metric=Metric.NPS, resamples=20).drivers
    assert driver.without_theme is None
    assert driver.impact is None
    assert driver.weight == 0.0


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        ThemedScores.build(themes=["a"], mentions=[[2]], scores=[5])
    with pytest.raises(ValueError, match="scores"):
        ThemedScores.build(themes=["a"], mentions=[[1], [0]], scores=[5])
    data = ThemedScores.build(themes=["a"], mentions=[[1], [0], [1]], scores=[5, 6, 9])
    with pytest.raises(ValueError, match="1–5"):
        analyse_drivers(data, metric=Metric.CSAT, resamples=20)


def test_twenty_thousand_responses_and_thirty_themes_without_real_drivers_raise_few_false_alarms() -> None:
    rng = np.random.default_rng(5)
    n, k = 20_000, 30
    mentions = rng.random((n, k)) < rng.uniform(0.01, 0.2, k)
    scores = rng.integers(0, 11, n)
    data = ThemedScores.build(themes=[f"theme {j}" for j in range(k)], mentions=mentions, scores=scores)
    fitted = bootstrap_relative_weights(data.mentions, scores.astype(float), resamples=300, seed=0)
    assert fitted.weights.sum() == pytest.approx(fitted.r_squared)
    assert fitted.significant.sum() <= 4  # no real drivers: few, if any, false alarms
