"""The rising-theme detector: fires on a real rise, stays quiet on noise at its designed rate."""

from __future__ import annotations

import numpy as np

from askwhy.analysis.emerging import (
    Design,
    PeriodCount,
    alarms,
    novel,
    novelty_p,
    predictive,
    rising,
    rising_against,
)

DESIGN = Design()


def _stream(seed: int, *, days: int, share: float, rho: float, volume: int = 200) -> list[PeriodCount]:
    """Daily counts with weekly seasonality in volume and over-dispersed shares."""
    rng = np.random.default_rng(seed)
    week = [1.2, 1.1, 1.0, 1.0, 0.9, 0.6, 0.5]
    a, b = share * (1 / rho - 1), (1 - share) * (1 / rho - 1)
    out = []
    for day in range(days):
        total = int(rng.poisson(volume * week[day % 7]))
        out.append(PeriodCount(int(rng.binomial(total, rng.beta(a, b))), total))
    return out


def test_a_share_three_and_a_half_times_its_baseline_alarms_on_its_first_day() -> None:
    history = _stream(1, days=63, share=0.05, rho=0.002)
    test = rising(history, PeriodCount(mentions=35, total=200), design=DESIGN)
    assert test.p_value < test.alpha < DESIGN.alpha
    assert test.ratio_low > 1.5
    assert alarms({"late delivery": test}, design=DESIGN) == ["late delivery"]


def test_an_ordinary_day_does_not_alarm() -> None:
    history = _stream(2, days=63, share=0.05, rho=0.002)
    test = rising(history, PeriodCount(mentions=11, total=200), design=DESIGN)
    assert test.p_value > DESIGN.alpha
    assert alarms({"late delivery": test}, design=DESIGN) == []


def test_null_streams_stay_within_the_designed_false_alarm_rate() -> None:
    """Ten themes over a simulated year of pure noise: at most the design's one alarm per theme-year
    (with margin for chance: the expected count is at or under 10, so 20 would be a broken design)."""
    themes = [_stream(seed, days=63 + 365, share=0.02 + 0.01 * seed, rho=0.005) for seed in range(10)]
    fired, last = 0, dict[str, int]()
    for day in range(63, 63 + 365):
        tests = {str(k): rising(s[day - 63 : day], s[day], design=DESIGN) for k, s in enumerate(themes)}
        cooling = frozenset(k for k, when in last.items() if day - when < DESIGN.cooldown_periods)
        for key in alarms(tests, design=DESIGN, cooling=cooling):
            last[key] = day
            fired += 1
    assert fired <= 20


def test_more_overdispersed_history_needs_a_larger_rise() -> None:
    calm = _stream(3, days=63, share=0.05, rho=0.0005)
    wild = _stream(3, days=63, share=0.05, rho=0.05)
    current = PeriodCount(mentions=20, total=200)
    assert rising(calm, current, design=DESIGN).p_value < rising(wild, current, design=DESIGN).p_value


def test_too_short_a_baseline_is_not_testable() -> None:
    test = rising(_stream(4, days=5, share=0.05, rho=0.002), PeriodCount(50, 200), design=DESIGN)
    assert not test.testable
    assert alarms({"x": test}, design=DESIGN) == []


def test_a_rare_theme_needs_the_minimum_mentions() -> None:
    history = [PeriodCount(0, 200)] * 63
    test = rising(history, PeriodCount(mentions=3, total=200), design=DESIGN)
    assert test.p_value < DESIGN.alpha
    assert alarms({"rare": test}, design=DESIGN) == []


def test_a_cooling_theme_stays_quiet() -> None:
    history = _stream(5, days=63, share=0.05, rho=0.002)
    test = rising(history, PeriodCount(mentions=40, total=200), design=DESIGN)
    assert alarms({"x": test}, design=DESIGN, cooling=frozenset({"x"})) == []


def test_the_false_alarm_budget_sets_alpha_per_period() -> None:
    assert Design(period="week").alpha > Design(period="day").alpha > Design(period="hour").alpha


def test_one_predictive_serves_every_look_at_a_day_so_far() -> None:
    history = _stream(5, days=63, share=0.05, rho=0.002)
    baseline = predictive(history, design=DESIGN)
    assert baseline is not None
    for so_far in (PeriodCount(3, 40), PeriodCount(12, 100), PeriodCount(30, 200)):
        assert rising_against(baseline, so_far) == rising(history, so_far, design=DESIGN)
    assert predictive(history[:10], design=DESIGN) is None


def test_a_new_theme_must_be_big_enough_recent_and_faster_than_the_background() -> None:
    assert novel(members=20, recent=18, background=0.1, min_size=5)
    assert not novel(members=4, recent=4, background=0.1, min_size=5), "too small"
    assert not novel(members=20, recent=6, background=0.1, min_size=5), "mostly old"
    assert not novel(members=20, recent=14, background=0.8, min_size=5), "no faster than everything else"
    assert novelty_p(members=20, recent=18, background=0.1) < 1e-12
    assert novelty_p(members=20, recent=2, background=0.1) > 0.5


def test_each_look_at_a_day_so_far_spends_a_part_of_the_days_alpha() -> None:
    """The day is tested after every batch: each look runs at α / (2·ln n), stricter the more
    responses (and so looks) a day has, and at the day's α when checked once."""
    assert DESIGN.look_alpha(200) == DESIGN.alpha / (2 * np.log(200))
    assert DESIGN.look_alpha(1000) < DESIGN.look_alpha(100) < DESIGN.alpha
    assert DESIGN.look_alpha(1) == DESIGN.alpha
    assert Design(checked_as_it_fills=False).look_alpha(1000) == DESIGN.alpha
    history = _stream(1, days=63, share=0.05, rho=0.002)
    once = Design(checked_as_it_fills=False)
    test = rising(history, PeriodCount(mentions=30, total=200), design=once)
    assert alarms({"t": test}, design=once) == ["t"], "a tripled share alarms on a day checked once"
    assert alarms({"t": rising(history, PeriodCount(30, 200), design=DESIGN)}, design=DESIGN) == [], (
        "checked after every batch, the same count needs more evidence"
    )
