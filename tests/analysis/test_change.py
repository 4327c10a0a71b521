"""Why a metric changed: the symmetric Oaxaca–Blinder decomposition, its table and its paragraph."""

from __future__ import annotations

import numpy as np
import pytest

from askwhy.analysis.change import change_rows, explain_change
from askwhy.analysis.narrative import describe_change
from askwhy.analysis.themed import ThemedScores
from askwhy.domain.changes import compare
from askwhy.domain.metrics import nps_estimate
from askwhy.domain.scales import Metric


def _period(late: list[int], other: list[int]) -> ThemedScores:
    """Scores of customers who mention "late delivery", then of those who do not."""
    return ThemedScores.build(
        themes=["late delivery"],
        mentions=[[1]] * len(late) + [[0]] * len(other),
        scores=late + other,
    )


def test_worked_example_with_one_theme() -> None:
    # Before: 2 of 10 mention late delivery, both detractors (y = −100, −100).
    # The other 8: 5 promoters, 2 passives, 1 detractor → mean y = (500 − 100) / 8 = 50.
    # With one 0/1 theme, OLS gives α = mean of non-mentioners, β = mean of mentioners − α:
    # α0 = 50, β0 = −100 − 50 = −150, x̄0 = 0.2; NPS0 = 50 − 150 × 0.2 = 20.
    before = _period([2, 3], [10] * 5 + [8] * 2 + [0])
    # After: 4 of 10 mention it: 3 detractors and a passive → mean −75.
    # The other 6: 4 promoters, a passive, a detractor → mean (400 − 100) / 6 = 50.
    # α1 = 50, β1 = −75 − 50 = −125, x̄1 = 0.4; NPS1 = 50 − 125 × 0.4 = 0.
    after = _period([1, 2, 3, 7], [9] * 4 + [7, 5])
    explanation = explain_change(before, after, metric=Metric.NPS)
    [late] = explanation.effects
    # volume   = (0.4 − 0.2) × (−150 + −125) / 2 = 0.2 × −137.5 = −27.5
    # severity = (−125 − −150) × (0.2 + 0.4) / 2 = 25 × 0.3 = 7.5
    # baseline = 50 − 50 = 0; total −27.5 + 7.5 + 0 = −20 = 0 − 20 ✓
    assert late.volume_effect == pytest.approx(-27.5)
    assert late.severity_effect == pytest.approx(7.5)
    assert (late.coefficient_before, late.coefficient_after) == pytest.approx((-150.0, -125.0))
    assert (late.share_before, late.share_after) == pytest.approx((0.2, 0.4))
    assert explanation.baseline == pytest.approx(0.0, abs=1e-9)
    assert explanation.total == pytest.approx(-20.0)
    assert explanation.explained == pytest.approx(-20.0)


def _random_period(rng: np.random.Generator, n: int, themes: list[str], absent: set[str]) -> ThemedScores:
    latent = rng.random(n)
    mentions = (rng.random((n, len(themes))) < latent[:, None] * rng.uniform(0.05, 0.6, len(themes))).astype(
        float
    )
    for j, theme in enumerate(themes):
        if theme in absent:
            mentions[:, j] = 0
    if len(themes) > 1 and rng.random() < 0.5:
        mentions[:, 1] = mentions[:, 0]  # two themes that always come together
    pull = mentions @ rng.normal(-2, 3, len(themes))
    scores = np.clip(np.rint(rng.normal(7.5, 2.5, n) + pull), 0, 10).astype(int)
    return ThemedScores.build(themes=themes, mentions=mentions, scores=scores)


def test_parts_add_up_exactly_on_random_data() -> None:
    rng = np.random.default_rng(2024)
    for trial in range(60):
        themes = [f"t{j}" for j in range(int(rng.integers(1, 9)))]
        absent_before = {themes[-1]} if trial % 3 == 0 else set()
        absent_after = {themes[0]} if trial % 4 == 0 else set()
        before = _random_period(rng, int(rng.integers(5, 400)), themes, absent_before)
        after = _random_period(rng, int(rng.integers(5, 400)), themes, absent_after)
        explanation = explain_change(before, after, metric=Metric.NPS)
        expected = nps_estimate(after.scores.tolist()).value - nps_estimate(before.scores.tolist()).value
        assert explanation.total == pytest.approx(expected, abs=1e-9)
        assert explanation.explained == pytest.approx(expected, abs=1e-9)


def test_a_theme_new_in_the_second_period_is_all_volume() -> None:
    before = ThemedScores.build(themes=["price"], mentions=[[1], [0], [0], [1]], scores=[6, 10, 9, 5])
    after = ThemedScores.build(
        themes=["price", "app crash"],
        mentions=[[1, 0], [0, 1], [0, 1], [0, 0], [1, 0]],
        scores=[6, 1, 3, 10, 4],
    )
    explanation = explain_change(before, after, metric=Metric.NPS)
    crash = next(e for e in explanation.effects if e.theme == "app crash")
    assert crash.coefficient_before is None
    assert crash.coefficient_after is not None
    assert crash.severity_effect == 0.0
    assert crash.volume_effect == pytest.approx(0.4 * crash.coefficient_after)
    assert explanation.explained == pytest.approx(explanation.total)


def test_themes_are_matched_by_name_and_the_change_is_tested() -> None:
    rng = np.random.default_rng(8)
    before = _random_period(rng, 300, ["a", "b", "c"], set())
    shuffled = _random_period(rng, 280, ["c", "a", "b"], set())
    explanation = explain_change(before, shuffled, metric=Metric.NPS)
    assert sorted(e.theme for e in explanation.effects) == ["a", "b", "c"]
    reference = compare(nps_estimate(before.scores.tolist()), nps_estimate(shuffled.scores.tolist()))
    assert explanation.change == reference


def test_csat_change_uses_the_top2box_values() -> None:
    before = ThemedScores.build(themes=["rude"], mentions=[[1], [0], [0], [0]], scores=[1, 5, 4, 4])
    after = ThemedScores.build(themes=["rude"], mentions=[[1], [1], [0], [0]], scores=[1, 2, 5, 4])
    explanation = explain_change(before, after, metric=Metric.CSAT)
    # top-2-box 75% → 50%: change −25, all of it from "rude" (α = 100 in both periods)
    assert explanation.total == pytest.approx(-25.0)
    assert explanation.effects[0].total == pytest.approx(-25.0)
    assert change_rows(explanation)[-1] == {
        "theme": "(total)",
        "share before %": None,
        "share after %": None,
        "volume effect": None,
        "severity effect": None,
        "CSAT change": -25.0,
    }


def test_an_empty_period_is_refused() -> None:
    empty = ThemedScores.build(themes=["a"], mentions=np.zeros((0, 1)), scores=[])
    with pytest.raises(ValueError, match="at least one score"):
        explain_change(empty, _period([3], [10]), metric=Metric.NPS)


def _drop(seed: int) -> tuple[ThemedScores, ThemedScores]:
    rng = np.random.default_rng(seed)

    def period(n: int, late_share: float) -> ThemedScores:
        late = rng.random(n) < late_share
        staff = rng.random(n) < 0.2
        scores = rng.choice([10, 9, 8, 7, 3], size=n, p=[0.4, 0.15, 0.2, 0.1, 0.15])
        scores = np.where(late & (rng.random(n) < 0.85), rng.integers(0, 5, n), scores)
        return ThemedScores.build(
            themes=["late delivery", "friendly staff"], mentions=np.column_stack([late, staff]), scores=scores
        )

    return period(812, 0.04), period(790, 0.16)


def test_paragraph_for_a_significant_change_names_its_themes() -> None:
    before, after = _drop(3)
    explanation = explain_change(before, after, metric=Metric.NPS)
    assert explanation.change.significant
    text = describe_change(explanation)
    late = next(e for e in explanation.effects if e.theme == "late delivery")
    assert text.startswith(f"NPS −{abs(explanation.total):.1f} (significant, 95% CI −")
    assert "n=790 now vs 812 before" in text
    assert (
        f"−{abs(late.total):.1f} from *late delivery*: mentioned by "
        f"{100 * late.share_after:.0f}% now vs {100 * late.share_before:.0f}% before "
        f"(volume −{abs(late.volume_effect):.1f}, severity" in text
    )


def test_paragraph_does_not_call_noise_a_change() -> None:
    before, _ = _drop(3)
    same, _ = _drop(4)
    explanation = explain_change(before, same, metric=Metric.NPS)
    assert not explanation.change.significant
    text = describe_change(explanation)
    assert "within noise (not significant, 95% CI" in text
    assert "late delivery" not in text
    assert "significant," not in text.replace("not significant,", "")
