"""The sustained-rise test: adds up a gentle rise over days that no single day shows, stays quiet on
a steady theme, and gates a theme with no baseline on its own volume."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from askwhy.analysis.emerging import Design, PeriodCount, rising
from askwhy.analysis.sustained_rise import sustained, sustained_alarm, threshold

DESIGN = Design()


def _days(seed: int, *, days: int, share: float, volume: int = 100) -> list[PeriodCount]:
    """Binomial daily counts at ``share`` with weekly seasonality in volume."""
    rng = np.random.default_rng(seed)
    week = [1.2, 1.1, 1.0, 1.0, 0.9, 0.6, 0.5]
    totals = [int(rng.poisson(volume * week[d % 7])) for d in range(days)]
    return [PeriodCount(int(rng.binomial(n, share)), n) for n in totals]


def _steady_then(rise_days: int, *, share: float = 0.03, ratio: float, seed: int = 1) -> list[PeriodCount]:
    """84 days at ``share``, the last ``rise_days`` of them at ``ratio`` times it."""
    return _days(seed, days=84 - rise_days, share=share) + _days(
        seed + 1, days=rise_days, share=share * ratio
    )


def test_the_threshold_is_the_log_of_runs_a_year_over_the_false_alarms_allowed_to_each_ratio() -> None:
    assert DESIGN.sustained_ratios == (1.5, 3.0)
    assert threshold(DESIGN) == math.log(365.25 / (0.5 / 2))
    assert threshold(replace(DESIGN, sustained_ratios=(1.5,))) == math.log(365.25 / 0.5)
    assert threshold(replace(DESIGN, false_alarms_per_theme_year=4.0)) < threshold(DESIGN)
    assert threshold(replace(DESIGN, sustained_part=0.0)) == math.inf
    assert threshold(replace(DESIGN, sustained_ratios=())) == math.inf


def test_giving_the_sustained_test_part_of_the_budget_halves_the_alpha_of_one_day() -> None:
    assert DESIGN.alpha == 0.5 / 365.25
    assert replace(DESIGN, sustained_part=0.0).alpha == 1.0 / 365.25


def test_a_rise_of_half_again_for_three_weeks_alarms_where_no_single_day_does() -> None:
    # 3 of 100 a day for 60 days, then 4 and 5 of 100 in turn (4.5: 1.5×) for 24 days and today.
    history = [PeriodCount(3, 100)] * 60 + [PeriodCount(4 + d % 2, 100) for d in range(24)]
    today = PeriodCount(5, 100)

    test = sustained(history, today, design=DESIGN)

    assert rising(history, today, design=DESIGN).p_value > DESIGN.alpha
    assert sustained_alarm(test, design=DESIGN)
    assert test.score >= test.threshold
    assert test.share > 1.3 * test.baseline_share
    assert 20 <= test.periods <= 25  # the run begins near the rise, not weeks before it


def test_a_jump_to_three_times_alarms_on_its_second_day_through_the_cusum_tuned_to_it() -> None:
    history = [PeriodCount(3, 100)] * 83 + [PeriodCount(9, 100)]
    today = PeriodCount(9, 100)

    test = sustained(history, today, design=DESIGN)
    slow_only = sustained(history, today, design=replace(DESIGN, sustained_ratios=(1.5,)))

    assert rising(history, today, design=DESIGN).p_value > DESIGN.alpha
    assert sustained_alarm(test, design=DESIGN)
    assert math.isclose(test.rise_share, 3 * test.baseline_share)
    assert test.periods == 2
    assert not sustained_alarm(slow_only, design=replace(DESIGN, sustained_ratios=(1.5,)))


def test_the_baseline_ends_before_the_window_so_a_rise_under_way_is_not_its_own_baseline() -> None:
    history = _steady_then(25, ratio=2.0)

    test = sustained(history, PeriodCount(6, 100), design=DESIGN)

    assert 0.02 < test.baseline_share < 0.04
    assert sustained_alarm(test, design=DESIGN)


def test_a_steady_theme_stays_quiet_over_a_year_of_days() -> None:
    stream = _days(7, days=84 + 365, share=0.03)
    quiet = [
        not sustained_alarm(sustained(stream[day - 84 : day], stream[day], design=DESIGN), design=DESIGN)
        for day in range(84, len(stream))
    ]
    assert sum(not q for q in quiet) <= 2


def test_a_theme_with_no_baseline_needs_its_minimum_volume_before_it_alarms() -> None:
    history = _days(3, days=84, share=0.0)
    few = sustained([*history[:-1], PeriodCount(2, 100)], PeriodCount(2, 100), design=DESIGN)
    several = sustained(history[:-3] + [PeriodCount(2, 100)] * 3, PeriodCount(2, 100), design=DESIGN)

    assert few.score >= few.threshold  # next to no baseline: four mentions are already unlikely
    assert not sustained_alarm(few, design=DESIGN)  # but four mentions are under the gate of five
    assert sustained_alarm(several, design=DESIGN)
    assert several.mentions == 8


def test_a_rare_theme_is_tested_for_a_share_bringing_its_minimum_mentions_a_week() -> None:
    history = _days(5, days=84, share=0.001)

    test = sustained(history, PeriodCount(0, 100), design=DESIGN)

    weekly = DESIGN.min_mentions / (7 * np.mean([p.total for p in history]))
    assert math.isclose(test.rise_share, weekly, rel_tol=1e-9)


def test_without_enough_baseline_the_test_is_untestable() -> None:
    test = sustained(_days(2, days=30, share=0.03), PeriodCount(20, 100), design=DESIGN)
    assert not test.testable
    assert not sustained_alarm(test, design=DESIGN)
