"""The metric-drop detector on hand-built streams: it fires on a real drop and stays quiet otherwise."""

from __future__ import annotations

import numpy as np

from askwhy.analysis.metric_drop import DropDesign, PeriodScores, alarms, dropping, period_scores

DESIGN = DropDesign()


def nps_day(rng: np.random.Generator, n: int, promoters: float, detractors: float) -> PeriodScores:
    """One day of NPS answers: each respondent +100, 0 or −100."""
    p, _, d = rng.multinomial(n, [promoters, 1 - promoters - detractors, detractors])
    return period_scores({100.0: int(p), 0.0: int(n - p - d), -100.0: int(d)})


def calm_history(rng: np.random.Generator, days: int = 63, drift: float = 0.0) -> list[PeriodScores]:
    """NPS around +30 (50% promoters, 20% detractors); ``drift`` moves each day's mix at random."""
    history = []
    for _ in range(days):
        shift = rng.normal(0, drift)
        history.append(nps_day(rng, int(rng.poisson(80)), 0.5 + shift, 0.2 - shift))
    return history


def test_period_scores_summarise_a_histogram() -> None:
    scores = period_scores({100.0: 5, 0.0: 3, -100.0: 2})
    assert scores.n == 10
    assert scores.mean == 30.0
    assert abs(scores.variance - np.var([100] * 5 + [0] * 3 + [-100] * 2, ddof=1)) < 1e-9


def test_a_clear_drop_alarms_with_an_interval_that_excludes_zero() -> None:
    rng = np.random.default_rng(1)
    history = calm_history(rng)
    today = nps_day(rng, 60, 0.2, 0.5)  # NPS about −30 against +30
    test = dropping(history, today, design=DESIGN)
    assert test.testable
    assert alarms(test, design=DESIGN)
    assert 20 < test.drop < 80
    assert 0 < test.low < test.drop < test.high
    assert abs(test.baseline - 30) < 8
    assert test.baseline_n > 3000


def test_a_calm_stream_stays_quiet_at_about_the_designed_rate() -> None:
    rng = np.random.default_rng(2)
    checks, fired = 600, 0
    for _ in range(checks):
        history = calm_history(rng, drift=0.03)
        fired += alarms(dropping(history, nps_day(rng, 80, 0.5, 0.2), design=DESIGN), design=DESIGN)
    # α = 1/365 per check: about 1.6 expected in 600; the cautious τ² keeps it there or under.
    assert fired <= 5


def test_a_drifting_metric_needs_a_bigger_drop_than_a_steady_one() -> None:
    rng = np.random.default_rng(3)
    steady = calm_history(rng, drift=0.0)
    drifting = calm_history(rng, drift=0.08)
    today = period_scores({100.0: 25, 0.0: 25, -100.0: 30})  # NPS −6, n=80
    calm_test = dropping(steady, today, design=DESIGN)
    noisy_test = dropping(drifting, today, design=DESIGN)
    assert noisy_test.between > calm_test.between
    assert noisy_test.p_value > calm_test.p_value
    assert alarms(calm_test, design=DESIGN)
    assert not alarms(noisy_test, design=DESIGN)


def test_too_few_responses_or_too_short_a_baseline_is_not_tested() -> None:
    rng = np.random.default_rng(4)
    history = calm_history(rng)
    few = period_scores({-100.0: 10})
    assert not dropping(history, few, design=DESIGN).testable
    short = dropping(history[-15:], nps_day(rng, 80, 0.1, 0.8), design=DESIGN)
    assert not short.testable
    assert not alarms(short, design=DESIGN)


def test_a_rise_is_not_a_drop() -> None:
    rng = np.random.default_rng(5)
    test = dropping(calm_history(rng), nps_day(rng, 80, 0.9, 0.02), design=DESIGN)
    assert test.drop < 0
    assert not alarms(test, design=DESIGN)
