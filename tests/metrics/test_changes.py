"""Period-over-period change tests and the multiple-comparison adjustment across segments."""

from __future__ import annotations

import itertools
import random

import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from askwhy.domain.changes import adjust_for_many, benjamini_hochberg, compare, newcombe_interval
from askwhy.domain.metrics import ces_mean_estimate, csat_top2box_estimate, nps_estimate


def test_nps_change_z_test_worked_example() -> None:
    # before: 5 promoters, 2 detractors of 10 → NPS 30, adjusted 3/13 = 0.230769, var 0.046199
    # after:  2 promoters, 5 detractors of 10 → NPS −30, adjusted −0.230769, var 0.046199 (mirror image)
    # difference −0.461538, se = √(2 × 0.046199) = 0.303972, z = −1.518359, p = 2Φ(−1.518359) = 0.128924
    before = nps_estimate([10] * 5 + [8] * 3 + [2] * 2)
    after = nps_estimate([10] * 2 + [8] * 3 + [2] * 5)
    change = compare(before, after)
    assert change.delta == pytest.approx(-60.0)
    assert change.p_value == pytest.approx(0.128924, abs=1e-5)
    # interval 100 × (−0.461538 ± 1.96 × 0.303972) = −105.73 .. 13.42
    assert (change.low, change.high) == pytest.approx((-105.731, 13.423), abs=1e-2)
    assert not change.significant


def test_large_nps_drop_is_significant() -> None:
    before = nps_estimate([10] * 500 + [8] * 300 + [2] * 200)
    after = nps_estimate([10] * 400 + [8] * 300 + [2] * 300)
    change = compare(before, after)
    assert change.delta == pytest.approx(-20.0)
    assert change.significant
    assert change.high is not None
    assert change.high < 0


def test_newcombe_hybrid_score_matches_newcombe_1998() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, table II, example (a): 56/70 − 48/80,
    # method 10 gives 0.0524 to 0.3339.
    low, high = newcombe_interval(56, 70, 48, 80)
    assert (low, high) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_csat_top2box_change_uses_newcombe_and_a_pooled_z_test() -> None:
    before = csat_top2box_estimate([5] * 48 + [1] * 32)  # 60%
    after = csat_top2box_estimate([5] * 56 + [1] * 14)  # 80%
    change = compare(before, after)
    # pooled p = 104 / 150 = 0.693333; se = √(0.693333 × 0.306667 × (1/80 + 1/70)) = 0.075500
    # z = 0.2 / 0.075500 = 2.649; p = 0.00807
    assert change.delta == pytest.approx(20.0)
    assert (change.low, change.high) == pytest.approx((5.24, 33.39), abs=1e-2)
    assert change.p_value == pytest.approx(0.00805, abs=1e-4)
    assert change.significant


def test_welch_t_for_means_matches_the_hand_computation() -> None:
    # before 3,4,5,4,4: mean 4, s² = 0.5; after 5,6,7,6,6,7: mean 6.1667, s² = 0.566667
    # v0 = 0.5/5 = 0.1, v1 = 0.566667/6 = 0.094444, se = √0.194444 = 0.440959, t = 2.166667/se = 4.9135
    # df = 0.194444² / (0.1²/4 + 0.094444²/5) = 0.037809 / 0.004284 = 8.826
    before = ces_mean_estimate([3, 4, 5, 4, 4])
    after = ces_mean_estimate([5, 6, 7, 6, 6, 7])
    change = compare(before, after)
    reference = stats.ttest_ind([5, 6, 7, 6, 6, 7], [3, 4, 5, 4, 4], equal_var=False)
    assert change.delta == pytest.approx(13 / 6)
    assert change.p_value == pytest.approx(reference.pvalue)
    assert change.significant


def test_means_without_variance_are_not_called_a_change() -> None:
    change = compare(ces_mean_estimate([4]), ces_mean_estimate([6, 6]))
    assert (change.p_value, change.low, change.significant) == (None, None, False)
    constant = compare(ces_mean_estimate([4, 4]), ces_mean_estimate([6, 6]))
    assert not constant.significant


def test_comparing_different_statistics_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot compare"):
        compare(csat_top2box_estimate([5]), ces_mean_estimate([5]))


def test_benjamini_hochberg_worked_example() -> None:
    # sorted p: 0.01, 0.03, 0.04, 0.20 → × m/rank: 0.04, 0.06, 0.0533, 0.20
    # running minimum from the top: 0.20, 0.0533, 0.0533, 0.04
    reject, adjusted = benjamini_hochberg([0.01, 0.04, 0.03, 0.20], alpha=0.05)
    assert adjusted == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.20])
    assert reject == [True, False, False, False]


def test_benjamini_hochberg_is_monotone_and_agrees_with_statsmodels() -> None:
    rng = random.Random(7)
    for _ in range(50):
        p = [rng.random() ** 3 for _ in range(rng.randint(1, 30))]
        reject, adjusted = benjamini_hochberg(p, alpha=0.1)
        expected_reject, expected, _, _ = multipletests(p, alpha=0.1, method="fdr_bh")
        assert adjusted == pytest.approx(list(expected))
        assert reject == list(expected_reject)
        order = sorted(range(len(p)), key=p.__getitem__)
        assert all(adjusted[a] <= adjusted[b] for a, b in itertools.pairwise(order))
        assert all(q >= raw for q, raw in zip(adjusted, p, strict=True))


def test_adjusting_many_changes_can_withdraw_a_marginal_change() -> None:
    marginal = compare(nps_estimate([10] * 50 + [0] * 50), nps_estimate([10] * 64 + [0] * 36))
    assert marginal.p_value is not None
    assert 0.01 < marginal.p_value < 0.05
    assert marginal.significant
    nulls = [compare(nps_estimate([10, 0, 7] * 30), nps_estimate([10, 0, 7] * 30)) for _ in range(9)]
    judged = adjust_for_many([marginal, *nulls])
    assert not judged[0].significant
    assert judged[0].p_adjusted == pytest.approx(min(1.0, marginal.p_value * 10))
