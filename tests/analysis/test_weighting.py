"""Weights for non-response: post-stratification, raking, trimming, Kish n, thin cells, intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from askwhy.analysis.response_propensity import propensity_weights
from askwhy.analysis.weighted_metrics import weighted_estimate, weighted_mean, weighted_share
from askwhy.analysis.weighting import (
    Weights,
    cell_counts,
    kish_effective_n,
    margin_counts,
    post_stratify,
    rake,
    trim,
    unweighted,
)
from askwhy.domain.metrics import Statistic
from askwhy.domain.scales import Metric


def _people(**cells: int) -> list[dict[str, str]]:
    """Records from counts keyed ``plan_region`` (e.g. basic_eu=3)."""
    people = []
    for cell, count in cells.items():
        plan, region = cell.split("_")
        people += [{"plan": plan, "region": region}] * count
    return people


def test_post_stratification_weights_each_cell_to_its_population_share() -> None:
    responders = [{"plan": "basic"}] * 2 + [{"plan": "pro"}] * 3
    weights = post_stratify(
        responders,
        population={("basic",): 60, ("pro",): 40},
        attributes=["plan"],
        population_size=100,
        min_responders=1,
    )
    # basic: 60 invited / 2 responders = 30 each; pro: 40 / 3 = 13.33 each.
    assert weights.values == pytest.approx([30, 30, 40 / 3, 40 / 3, 40 / 3])
    assert sum(weights.values) == pytest.approx(100)
    assert weights.method == "post-stratification"
    assert weights.attributes == ("plan",)
    assert weights.unweighted == ()


def test_post_stratification_without_a_population_size_has_mean_one() -> None:
    responders = [{"plan": "basic"}] * 2 + [{"plan": "pro"}] * 3
    weights = post_stratify(
        responders, population={("basic",): 0.6, ("pro",): 0.4}, attributes=["plan"], min_responders=1
    )
    # basic: share 0.6 / sample share 0.4 = 1.5; pro: 0.4 / 0.6 = 0.667.
    assert weights.values == pytest.approx([1.5, 1.5, 2 / 3, 2 / 3, 2 / 3])
    assert weights.population_size is None


def test_a_thin_cell_is_left_unweighted_and_reported() -> None:
    responders = _people(basic_eu=2, pro_eu=20, team_eu=40)
    weights = post_stratify(
        responders,
        population={("basic",): 20, ("pro",): 40, ("team",): 40},
        attributes=["plan"],
        min_responders=20,
    )
    # basic keeps weight 1; the other 60 responders share the rest: pro 0.5 × 60 / 20, team 0.5 × 60 / 40.
    assert weights.values[:2] == pytest.approx([1.0, 1.0])
    assert weights.values[2:22] == pytest.approx([1.5] * 20)
    assert weights.values[22:] == pytest.approx([0.75] * 40)
    assert [(c.cell, c.responders, c.population_share) for c in weights.unweighted] == [
        ("plan=basic", 2, 0.2)
    ]
    assert any("fewer than 20 responders: plan=basic (2)" in w for w in weights.warnings)
    assert weights.calibration[0] == ()


def test_a_cell_nobody_answered_from_is_reported_as_unheard() -> None:
    weights = post_stratify(
        _people(pro_eu=30),
        population={("basic",): 50, ("pro",): 50},
        attributes=["plan"],
        min_responders=20,
    )
    assert weights.values == pytest.approx([1.0] * 30)
    assert any(
        "50.0% of the invited population is in cells nobody answered from" in w for w in weights.warnings
    )


def test_cell_and_margin_counts_come_from_the_invitations() -> None:
    invited = _people(basic_eu=3, basic_us=1, pro_us=2)
    assert cell_counts(invited, ["plan", "region"]) == {
        ("basic", "eu"): 3,
        ("basic", "us"): 1,
        ("pro", "us"): 2,
    }
    assert margin_counts(invited, ["plan", "region"]) == {
        "plan": {"basic": 4, "pro": 2},
        "region": {"eu": 3, "us": 3},
    }


def test_a_responder_outside_the_population_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="plan=team, which the invited population does not have"):
        post_stratify([{"plan": "team"}], population={("pro",): 1}, attributes=["plan"])
    with pytest.raises(ValueError, match="record 1 has no plan"):
        post_stratify([{"plan": "pro"}, {"region": "eu"}], population={("pro",): 1}, attributes=["plan"])


def _weighted_margin(weights: Weights, responders: list[dict[str, str]], name: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for weight, person in zip(weights.values, responders, strict=True):
        totals[person[name]] = totals.get(person[name], 0.0) + weight
    whole = sum(totals.values())
    return {value: total / whole for value, total in totals.items()}


def test_raking_an_independent_table_is_the_product_of_the_margin_adjustments() -> None:
    # Responders' table is independent (plan shares 1/2, region shares 1/4–3/4 in every row), so raking
    # converges to the closed form w(plan, region) = (target plan / sample plan) × (target region / sample
    # region).
    responders = _people(basic_eu=10, basic_us=30, pro_eu=10, pro_us=30)
    weights = rake(
        responders,
        margins={"plan": {"basic": 0.3, "pro": 0.7}, "region": {"eu": 0.5, "us": 0.5}},
        min_responders=1,
    )
    expected = {
        ("basic", "eu"): (0.3 / 0.5) * (0.5 / 0.25),
        ("basic", "us"): (0.3 / 0.5) * (0.5 / 0.75),
        ("pro", "eu"): (0.7 / 0.5) * (0.5 / 0.25),
        ("pro", "us"): (0.7 / 0.5) * (0.5 / 0.75),
    }
    assert weights.values == pytest.approx([expected[(p["plan"], p["region"])] for p in responders])
    assert weights.converged
    assert weights.iterations <= 2


def _reference_ipf(table: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Classic IPF on a contingency table (Deming & Stephan 1940), written independently of `rake`."""
    fitted = table.astype(float).copy()
    for _ in range(1000):
        fitted *= (rows / fitted.sum(axis=1))[:, None]
        fitted *= (columns / fitted.sum(axis=0))[None, :]
    return fitted


def test_raking_matches_a_reference_iterative_proportional_fit() -> None:
    table = np.array([[40, 10, 5], [20, 30, 25]])
    plans, regions = ["basic", "pro"], ["eu", "us", "asia"]
    responders = [
        {"plan": plans[i], "region": regions[j]}
        for i in range(2)
        for j in range(3)
        for _ in range(int(table[i, j]))
    ]
    rows, columns = np.array([0.55, 0.45]), np.array([0.2, 0.5, 0.3])
    weights = rake(
        responders,
        margins={
            "plan": dict(zip(plans, rows, strict=True)),
            "region": dict(zip(regions, columns, strict=True)),
        },
        population_size=1000,
        min_responders=1,
        tolerance=1e-10,
    )
    fitted = _reference_ipf(table, rows * 1000, columns * 1000)
    expected = [
        fitted[plans.index(p["plan"]), regions.index(p["region"])]
        / table[plans.index(p["plan"]), regions.index(p["region"])]
        for p in responders
    ]
    assert weights.values == pytest.approx(expected, rel=1e-6)
    assert _weighted_margin(weights, responders, "region") == pytest.approx(
        {"eu": 0.2, "us": 0.5, "asia": 0.3}
    )
    assert weights.calibration[0] == ("plan=basic", "region=eu")


def test_raking_leaves_a_thin_category_unweighted_and_reports_it() -> None:
    responders = _people(basic_eu=30, pro_eu=30, team_eu=3)
    weights = rake(responders, margins={"plan": {"basic": 0.2, "pro": 0.6, "team": 0.2}}, min_responders=20)
    # team keeps weight 1; basic and pro share the other 60 in the ratio 0.2 : 0.6.
    assert weights.values[-3:] == pytest.approx([1.0] * 3)
    assert weights.values[0] == pytest.approx(0.25 * 60 / 30)
    assert weights.values[30] == pytest.approx(0.75 * 60 / 30)
    assert [c.cell for c in weights.unweighted] == ["plan=team"]
    assert weights.calibration[-1] == ()


def test_raking_that_cannot_converge_says_so() -> None:
    # Only basic-eu and pro-us answered: region and plan are the same split, and the margins disagree.
    responders = _people(basic_eu=30, pro_us=30)
    weights = rake(
        responders,
        margins={"plan": {"basic": 0.2, "pro": 0.8}, "region": {"eu": 0.6, "us": 0.4}},
        max_iterations=20,
    )
    assert not weights.converged
    assert any("did not converge in 20 iterations" in w for w in weights.warnings)


def test_trimming_caps_weights_at_a_multiple_of_the_mean_and_keeps_the_total() -> None:
    base = unweighted(5, reason="test")
    weights = trim(Weights(**{**base.__dict__, "values": (1.0, 1.0, 1.0, 1.0, 10.0)}), cap=2.0)
    # Mean 2.8, cap 5.6; the 4.4 cut off is shared by the other four: 1 + 1.1 = 2.1 each.
    assert weights.values == pytest.approx([2.1, 2.1, 2.1, 2.1, 5.6])
    assert weights.trimmed == 1
    assert any("1 weights were capped at 2× the mean weight" in w for w in weights.warnings)


def test_trimming_repeats_until_no_weight_is_above_the_cap() -> None:
    base = unweighted(10, reason="test")
    values = (1.0,) * 8 + (10.0, 30.0)
    weights = trim(Weights(**{**base.__dict__, "values": values}), cap=3.0)
    result = np.array(weights.values)
    assert result.sum() == pytest.approx(sum(values))
    assert result.max() <= 3.0 * result.mean() * (1 + 1e-9)
    assert weights.trimmed == 2
    assert weights.design_effect < Weights(**{**base.__dict__, "values": values}).design_effect
    with pytest.raises(ValueError, match="must exceed 1"):
        trim(base, cap=1.0)


def test_kish_effective_n_and_design_effect() -> None:
    assert kish_effective_n([1, 1, 2, 2]) == pytest.approx(36 / 10)
    base = unweighted(4, reason="test")
    weights = Weights(**{**base.__dict__, "values": (1.0, 1.0, 2.0, 2.0)})
    assert weights.effective_n == pytest.approx(3.6)
    assert weights.design_effect == pytest.approx(4 / 3.6)
    assert unweighted(7, reason="x").design_effect == pytest.approx(1.0)


def test_equal_weights_give_the_raw_figure_and_the_wald_interval() -> None:
    scores = [10, 9, 9, 8, 7, 6, 3, 10, 0, 9]
    result = weighted_estimate(scores, unweighted(len(scores), reason="none"), metric=Metric.NPS)
    assert result.value == pytest.approx(result.raw.value) == pytest.approx(20.0)
    values = np.array([100, 100, 100, 0, 0, -100, -100, 100, -100, 100], dtype=float)
    mean = weighted_mean(values, unweighted(10, reason="none"))
    assert mean.standard_error == pytest.approx(values.std(ddof=1) / math.sqrt(10))
    assert mean.degrees_of_freedom == 9
    assert result.design_effect == pytest.approx(1.0)


def test_post_stratified_variance_is_the_textbook_stratified_variance_with_the_correction() -> None:
    # Two cells: 100 and 300 invited; 4 and 6 responders.
    responders = [{"plan": "a"}] * 4 + [{"plan": "b"}] * 6
    values = np.array([3, 5, 4, 8, 1, 2, 2, 3, 1, 5], dtype=float)
    weights = post_stratify(
        responders,
        population={("a",): 100, ("b",): 300},
        attributes=["plan"],
        population_size=400,
        min_responders=1,
    )
    mean = weighted_mean(values, weights)
    a, b = values[:4], values[4:]
    assert mean.value == pytest.approx(0.25 * a.mean() + 0.75 * b.mean())
    # Σ P² (1 − n/N) (n − 1) s² / n², times n / (n − p) with n = 10 responders and p = 2 cells.
    textbook = sum(
        share**2 * (1 - len(x) / size) * (len(x) - 1) * x.var(ddof=1) / len(x) ** 2
        for share, x, size in ((0.25, a, 100), (0.75, b, 300))
    )
    assert mean.standard_error == pytest.approx(math.sqrt(textbook * 10 / 8))
    assert mean.degrees_of_freedom == 8


def test_weighted_estimate_reports_what_it_rests_on() -> None:
    responders = _people(basic_eu=30, pro_eu=30)
    scores = [10] * 20 + [3] * 10 + [9] * 10 + [0] * 20
    weights = post_stratify(responders, population={("basic",): 80, ("pro",): 20}, attributes=["plan"])
    result = weighted_estimate(scores, weights, metric=Metric.NPS)
    # basic: NPS (20 − 10) / 30 = 33.3; pro: (10 − 20) / 30 = −33.3; weighted 0.8 × 33.3 + 0.2 × −33.3.
    assert result.raw.value == pytest.approx(0.0)
    assert result.value == pytest.approx(0.6 * 100 / 3)
    assert result.shift == pytest.approx(20.0)
    assert result.low is not None
    assert result.high is not None
    assert result.low < result.value < result.high
    assert result.weighting == "post-stratification"
    assert result.attributes == ("plan",)
    assert result.effective_n < 60
    csat = weighted_estimate([5] * 30 + [1] * 30, weights, metric=Metric.CSAT, statistic=Statistic.MEAN)
    assert csat.value == pytest.approx(0.8 * 5 + 0.2 * 1)


def test_weighted_share_gives_raw_and_weighted_percentages() -> None:
    responders = _people(basic_eu=30, pro_eu=30)
    weights = post_stratify(responders, population={("basic",): 25, ("pro",): 75}, attributes=["plan"])
    share = weighted_share([True] * 30 + [False] * 30, weights)
    assert share.raw == pytest.approx(50.0)
    assert share.value == pytest.approx(25.0)
    assert 0.0 <= share.low < 25.0 < share.high <= 100.0
    assert share.raw_low < 50.0 < share.raw_high


def test_a_saturated_response_model_gives_the_post_stratification_weights() -> None:
    invited = _people(basic_eu=100, pro_eu=200)
    responded = [i < 40 for i in range(100)] + [i < 30 for i in range(200)]
    weights = propensity_weights(invited, responded, attributes=["plan"])
    # basic answered 40 of 100 (weight 2.5), pro 30 of 200 (weight 6.67).
    assert weights.values == pytest.approx([2.5] * 40 + [200 / 30] * 30, rel=1e-3)
    assert weights.population_size == 300
    assert weights.method == "response propensity"


def test_the_response_model_pools_thin_categories_and_reports_them() -> None:
    invited = _people(basic_eu=100, pro_eu=100, team_eu=50)
    responded = [i < 40 for i in range(100)] + [i < 30 for i in range(100)] + [i < 2 for i in range(50)]
    weights = propensity_weights(invited, responded, attributes=["plan"])
    assert [c.cell for c in weights.unweighted] == ["plan=team"]
    assert weights.n == 72
    with pytest.raises(ValueError, match="both invited customers who answered and who did not"):
        propensity_weights(invited, [True] * 250, attributes=["plan"])


def test_weighted_intervals_cover_the_invited_populations_nps() -> None:
    # A seeded simulation: two plans, the larger answers far less and is less happy; 300 replications.
    rng = np.random.default_rng(18)
    plans = np.array(["basic"] * 3000 + ["pro"] * 1000)
    promoter = np.where(plans == "basic", 0.3, 0.6)
    detractor = np.where(plans == "basic", 0.4, 0.1)
    draw = rng.random(plans.size)
    values = np.where(draw < detractor, -100.0, np.where(draw > 1 - promoter, 100.0, 0.0))
    truth = values.mean()
    answer = np.where(plans == "basic", 0.08, 0.35)
    population = {("basic",): 3000, ("pro",): 1000}
    covered = raw_covered = 0
    replications = 300
    for _ in range(replications):
        heard = rng.random(plans.size) < answer
        weights = post_stratify(
            [{"plan": p} for p in plans[heard]],
            population=population,
            attributes=["plan"],
            population_size=4000,
        )
        mean = weighted_mean(values[heard], weights)
        covered += abs(mean.value - truth) <= 1.97 * mean.standard_error
        raw = values[heard]
        raw_covered += abs(raw.mean() - truth) <= 1.97 * raw.std(ddof=1) / math.sqrt(raw.size)
    assert 0.91 <= covered / replications <= 0.985
    assert raw_covered / replications < 0.5
