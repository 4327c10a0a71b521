"""Metric estimates against worked examples computed by hand."""

from __future__ import annotations

import math

import pytest

from askwhy.domain.metrics import (
    Statistic,
    ces_mean_estimate,
    csat_mean_estimate,
    csat_top2box_estimate,
    estimate,
    estimate_from_histogram,
    nps_estimate,
    wilson_interval,
)
from askwhy.domain.scales import Band, Metric

Z95 = 1.959963984540054


def test_nps_reports_raw_value_with_adjusted_wald_interval() -> None:
    # 5 promoters (10), 3 passives (8), 2 detractors (2): n = 10, raw NPS = (5 − 2) / 10 = 30.
    result = nps_estimate([10] * 5 + [8] * 3 + [2] * 2)
    # p̂P = (5 + 0.75) / 13 = 0.442308, p̂D = (2 + 0.75) / 13 = 0.211538, adjusted = 3 / 13 = 0.230769
    # var = (0.442308 + 0.211538 − 0.230769²) / 13 = (0.653846 − 0.053254) / 13 = 0.046199
    # half = 1.96 × √0.046199 = 1.96 × 0.214940 = 0.421275 → 0.230769 ± 0.421275 → −19.05 .. 65.20
    assert result.value == pytest.approx(30.0)
    assert result.low == pytest.approx(-19.0506, abs=1e-3)
    assert result.high == pytest.approx(65.2045, abs=1e-3)
    assert result.n == 10
    assert result.counts == {Band.PROMOTER: 5, Band.PASSIVE: 3, Band.DETRACTOR: 2}
    assert result.method == "adjusted Wald"
    assert result.label == "NPS"


def test_nps_of_all_promoters_is_100_with_an_interval_below_it() -> None:
    # p̂P = 5.75 / 8 = 0.71875, p̂D = 0.75 / 8 = 0.09375, adjusted = 0.625
    # var = (0.8125 − 0.390625) / 8 = 0.052734; half = 1.96 × 0.229640 = 0.450085
    # low = 0.625 − 0.450085 = 0.174915 → 17.49; high = 1.075 → clipped to 100.
    result = nps_estimate([9, 10, 10, 9, 10])
    assert result.value == 100.0
    assert result.low == pytest.approx(17.4915, abs=1e-3)
    assert result.high == 100.0


def test_wilson_interval_for_8_of_10() -> None:
    # p = 0.8, z² = 3.841459; denominator = 1 + 3.841459 / 10 = 1.384146
    # centre = (0.8 + 3.841459 / 20) / 1.384146 = 0.992073 / 1.384146 = 0.716740
    # half = 1.96 / 1.384146 × √(0.8 × 0.2 / 10 + 3.841459 / 400) = 1.416011 × 0.160011 = 0.226578
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.490162, abs=1e-5)
    assert high == pytest.approx(0.943318, abs=1e-5)


def test_csat_top2box_counts_scores_four_and_five() -> None:
    # 4 and 5 are satisfied: 8 of 10 → 80%, Wilson interval 49.0% .. 94.3%.
    result = csat_top2box_estimate([5, 5, 5, 4, 4, 4, 4, 4, 3, 1])
    assert result.value == pytest.approx(80.0)
    assert (result.low, result.high) == pytest.approx((49.0162, 94.3318), abs=1e-3)
    assert result.method == "Wilson"
    assert result.counts[Band.PROMOTER] == 8


def test_ces_mean_with_t_interval_clipped_to_the_scale() -> None:
    # mean = 28 / 5 = 5.6; squared deviations 0.36 + 0.16 + 1.96 + 2.56 + 0.16 = 5.2; s² = 5.2 / 4 = 1.3
    # se = √(1.3 / 5) = 0.509902; t(0.975, 4) = 2.776445; half = 1.415715
    # interval 4.184285 .. 7.015715 → the top is clipped to the scale's 7.
    result = ces_mean_estimate([5, 6, 7, 4, 6])
    assert result.value == pytest.approx(5.6)
    assert result.low == pytest.approx(4.184285, abs=1e-5)
    assert result.high == 7.0
    assert result.std == pytest.approx(math.sqrt(1.3))
    assert result.method == "t"


def test_csat_mean_with_t_interval() -> None:
    # mean = 3; s² = (4 + 0 + 4) / 2 = 4, se = 2 / √3 = 1.154701; t(0.975, 2) = 4.302653
    # half = 4.968275 → clipped to the scale 1..5.
    result = csat_mean_estimate([1, 3, 5])
    assert result.value == 3.0
    assert (result.low, result.high) == (1.0, 5.0)
    # At 50% confidence t(0.75, 2) = 0.816497 → half = 0.942809 → 2.057191 .. 3.942809
    narrow = csat_mean_estimate([1, 3, 5], confidence=0.5)
    assert (narrow.low, narrow.high) == pytest.approx((2.057191, 3.942809), abs=1e-5)


def test_a_mean_of_one_response_has_no_interval() -> None:
    result = ces_mean_estimate([4])
    assert (result.value, result.low, result.high, result.n) == (4.0, None, None, 1)
    assert result.std is None


def test_no_responses_is_a_clear_error_not_a_zero() -> None:
    with pytest.raises(ValueError, match="at least one score"):
        nps_estimate([])
    with pytest.raises(ValueError, match="at least one score"):
        estimate_from_histogram({9: 0}, metric=Metric.NPS)


def test_scores_outside_the_scale_are_refused() -> None:
    with pytest.raises(ValueError, match="outside 1–5"):
        csat_top2box_estimate([6])
    with pytest.raises(ValueError, match="outside 0–10"):
        nps_estimate([11])


def test_the_nps_statistic_is_only_for_nps_scores() -> None:
    with pytest.raises(ValueError, match="only to NPS"):
        estimate([4], metric=Metric.CSAT, statistic=Statistic.NPS)
    assert estimate([9, 7], metric=Metric.NPS, statistic=Statistic.MEAN).value == 8.0


def test_histogram_and_raw_scores_agree() -> None:
    scores = [0, 3, 6, 7, 8, 9, 10, 10]
    assert estimate(scores, metric=Metric.NPS) == estimate_from_histogram(
        {0: 1, 3: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 2}, metric=Metric.NPS
    )


@pytest.mark.parametrize("n", [1, 2, 5, 17, 60])
def test_wilson_interval_stays_inside_zero_and_one(n: int) -> None:
    for successes in range(n + 1):
        for confidence in (0.8, 0.95, 0.999):
            low, high = wilson_interval(successes, n, confidence=confidence)
            assert 0.0 <= low <= successes / n <= high <= 1.0


def test_nps_interval_stays_on_the_scale_and_contains_the_adjusted_value() -> None:
    for promoters in range(6):
        for detractors in range(6 - promoters):
            scores = [10] * promoters + [0] * detractors + [7] * (5 - promoters - detractors)
            result = nps_estimate(scores, confidence=0.99)
            assert result.low is not None
            assert result.high is not None
            assert -100.0 <= result.low <= result.high <= 100.0
            adjusted = 100 * (promoters - detractors) / 8  # (P + 0.75 − D − 0.75) / (n + 3)
            assert result.low <= adjusted <= result.high
