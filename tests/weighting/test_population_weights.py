"""Weights for a program's plan from the population it has, and every figure raw and weighted."""

from __future__ import annotations

import pytest

from askwhy.analysis.population_weights import Population, weights_for
from askwhy.analysis.weighted_figures import weighted_figures
from askwhy.analysis.weighting import unweighted
from askwhy.domain.scales import Metric
from askwhy.domain.weighting_plan import WeightingMethod, WeightingPlan


def _plan(method: WeightingMethod, *segments: str, min_responders: int = 1) -> WeightingPlan:
    return WeightingPlan(method=method, segments=list(segments), min_responders=min_responders)


def test_post_stratification_on_invited_records_matches_the_hand_computed_weights() -> None:
    invited = [{"plan": "basic"}] * 6 + [{"plan": "pro"}] * 4
    responders = [{"plan": "basic"}] * 3 + [{"plan": "pro"}] * 1
    weights = weights_for(responders, plan=_plan(WeightingMethod.POST_STRATIFICATION, "plan"),
                          population=Population(invited=invited))  # fmt: skip
    # Each responder stands for invited / responders of its cell: 6/3 and 4/1.
    assert weights.values == pytest.approx((2.0, 2.0, 2.0, 4.0))
    assert weights.effective_n == pytest.approx(10**2 / (3 * 4 + 16))


def test_a_value_the_record_lacks_is_its_own_cell() -> None:
    invited = [{"plan": "basic"}, {"plan": ""}, {}, {"plan": "basic"}]
    responders = [{"plan": "basic"}, {}]
    weights = weights_for(responders, plan=_plan(WeightingMethod.POST_STRATIFICATION, "plan"),
                          population=Population(invited=invited))  # fmt: skip
    assert weights.values == pytest.approx((2.0, 2.0))


def test_margins_cannot_post_stratify_crossed_cells_or_model_propensity() -> None:
    margins = Population(margins={"plan": {"basic": 0.5, "pro": 0.5}, "region": {"eu": 1.0}})
    responders = [{"plan": "basic", "region": "eu"}]
    with pytest.raises(ValueError, match="use raking"):
        weights_for(responders, plan=_plan(WeightingMethod.POST_STRATIFICATION, "plan", "region"),
                    population=margins)  # fmt: skip
    with pytest.raises(ValueError, match="whether they answered"):
        weights_for(responders, plan=_plan(WeightingMethod.PROPENSITY, "plan"), population=margins)
    with pytest.raises(ValueError, match="no shares for channel"):
        weights_for(responders, plan=_plan(WeightingMethod.RAKING, "channel"), population=margins)


def test_a_responder_outside_the_margins_is_named() -> None:
    margins = Population(margins={"plan": {"basic": 0.5, "pro": 0.5}})
    with pytest.raises(ValueError, match=r"plan=\(unknown\)"):
        weights_for([{"plan": "basic"}, {}], plan=_plan(WeightingMethod.RAKING, "plan"), population=margins)


def test_propensity_weights_sum_to_the_invited() -> None:
    invited = [{"plan": "basic"}] * 40 + [{"plan": "pro"}] * 40
    responded = [i < 30 for i in range(40)] + [i < 10 for i in range(40)]
    responders = [r for r, f in zip(invited, responded, strict=True) if f]
    weights = weights_for(responders, plan=_plan(WeightingMethod.PROPENSITY, "plan"),
                          population=Population(invited=invited, responded=responded))  # fmt: skip
    assert sum(weights.values) == pytest.approx(80.0)
    assert weights.values[0] == pytest.approx(40 / 30, rel=1e-4)
    assert weights.values[-1] == pytest.approx(40 / 10, rel=1e-4)


def test_trimming_caps_the_weights_at_the_plans_multiple() -> None:
    invited = [{"plan": "basic"}] * 10 + [{"plan": "pro"}] * 90
    responders = [{"plan": "basic"}] * 10 + [{"plan": "pro"}] * 1
    plan = WeightingPlan(method=WeightingMethod.POST_STRATIFICATION, segments=["plan"], min_responders=1,
                         trim_at=2.0)  # fmt: skip
    weights = weights_for(responders, plan=plan, population=Population(invited=invited))
    assert weights.trimmed == 1
    assert max(weights.values) == pytest.approx(2 * sum(weights.values) / len(weights.values))


def test_figures_raw_and_weighted_with_the_impact_of_each_theme() -> None:
    scores = [10, 10, 0, 0]
    plan_weights = weights_for(
        [{"g": "a"}, {"g": "a"}, {"g": "b"}, {"g": "b"}],
        plan=_plan(WeightingMethod.POST_STRATIFICATION, "g"),
        population=Population(invited=[{"g": "a"}] * 2 + [{"g": "b"}] * 6),
    )
    figures = weighted_figures(
        scores, plan_weights, metric=Metric.NPS,
        negative=[False, False, True, True], mentions={"late": [False, False, True, False]},
    )  # fmt: skip
    assert figures.metric.raw.value == pytest.approx(0.0)
    assert figures.metric.value == pytest.approx(-50.0)  # a: 1/4 of the invited, b: 3/4
    assert figures.negative is not None
    assert (figures.negative.raw, figures.negative.value) == pytest.approx((50.0, 75.0))
    ((theme, share),) = figures.themes
    assert theme == "late"
    assert (share.raw, share.value) == pytest.approx((25.0, 37.5))
    (impact,) = figures.impacts
    # Raw: 0 overall, (100 + 100 − 100) / 3 without it; weighted: −50, (1 + 1 − 3) / 5 × 100 = −20.
    assert impact.raw == pytest.approx(0.0 - 100 / 3)
    assert impact.weighted == pytest.approx(-50.0 - (-20.0))


def test_figures_refuse_flags_that_do_not_match_the_responders() -> None:
    with pytest.raises(ValueError, match="late: 1 flags for 2 responders"):
        weighted_figures([1, 2], unweighted(2, reason="test"), metric=Metric.CSAT, mentions={"late": [True]})
