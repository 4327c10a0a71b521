"""Metric drops: the metric-drop detector's false alarms per metric-year on null streams of scores,
and its delay on an injected drop, beside a 2σ z-score on the daily metric.

The scores are the clothing reviews' real 1–5 ratings, read as CSAT (top-2-box: 4 or 5 counts 100,
else 0): each day draws its respondents' ratings from the set's own rating frequencies, drifting
from day to day (Dirichlet), with the same weekly seasonality and over-dispersed volume as the
theme replays. askwhy's detector (`askwhy.analysis.metric_drop`) runs as the product runs it:
after every scored response, today so far against the days before and the seven days to now
against the weeks before (`askwhy.alerts.candidates.WEEKLY_DROP`), each look at its α
(`DropDesign.look_alpha`), either alarming. The z-score compares the day's CSAT with the trailing
63 days' daily CSAT and alarms at −2σ, and again with its threshold raised until its false alarms
match askwhy's. Every rule has the same gate (20 scored responses in the period tested) and the
same 7-day cooldown.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy.stats import t

from askwhy.alerts.candidates import WEEKLY_DROP
from askwhy.analysis.metric_drop import DropBaseline, DropDesign, PeriodScores, drop_baseline
from bench.corpora import clothing_rows
from bench.emerging_rules import Scores
from bench.emerging_runs import either
from bench.emerging_streams import HORIZON, VOLUMES, YEARS, daily_volume

DESIGN = DropDesign()
WEEKLY = WEEKLY_DROP
HISTORY = 7 * (WEEKLY.baseline_periods + WEEKLY.guard_periods)
"""Days of history the tests read (the weekly test's quarter and its guard week; the daily test
reads its own last ``baseline + guard`` days of them)."""
STREAMS = 10
"""Null streams per volume, each of ``YEARS`` years."""
RUNS = 20
DROPS = (5.0, 10.0)
"""Injected drops, in CSAT points."""
CONCENTRATION = 1000.0
"""Dirichlet concentration of the daily rating shares: lower means the metric drifts more."""
Z_WINDOW = DESIGN.baseline_periods + DESIGN.guard_periods
Z_STEPS = np.round(np.arange(2.0, 8.001, 0.05), 2)


def rating_shares() -> np.ndarray:
    """The share of each rating 1–5 among the clothing reviews."""
    counts = Counter(int(r["Rating"]) for r in clothing_rows() if r["Rating"])
    return np.array([counts[k] for k in range(1, 6)], dtype=float) / sum(counts.values())


def metric_stream(
    rng: np.random.Generator,
    shares: np.ndarray,
    *,
    days: int,
    volume: float,
    drop: float = 0.0,
    start: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Each day's satisfied respondents (4 or 5) and scored responses; from ``start``, ``drop``
    CSAT points of the satisfied move to a rating of 1 to 3."""
    totals = daily_volume(rng, days=days, volume=volume)
    daily = rng.dirichlet(shares * CONCENTRATION, size=days)
    satisfied = daily[:, 3:].sum(axis=1)
    lowered = np.where(np.arange(days) >= start, np.maximum(satisfied - drop / 100.0, 0.0), satisfied)
    return rng.binomial(totals, lowered), totals


def _period(k: int, n: int) -> PeriodScores:
    """The summary of ``n`` respondents of whom ``k`` scored 100 and the rest 0."""
    mean = 100.0 * k / n if n else 0.0
    return PeriodScores(n, mean, 1e4 * k * (n - k) / (n * (n - 1)) if n > 1 else 0.0)


def _looks(
    baseline: DropBaseline, before: tuple[int, int], today: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every look at the period so far: the respondents seen, and log10(α / p) of each look
    (`dropping_against` for every look at once). ``before`` is the period's (satisfied, scored)
    before today; ``today`` today's values (1: satisfied) in the order they arrive."""
    seen = before[1] + np.arange(1, len(today) + 1)
    k = before[0] + np.cumsum(today)
    means = 100.0 * k / seen
    variances = np.where(seen > 1, 1e4 * k * (seen - k) / (seen * np.maximum(seen - 1, 1)), 0.0)
    within = np.where(seen > 1, np.maximum(baseline.within, variances), baseline.within)
    se = np.sqrt(within / seen + baseline.between + baseline.mean_variance)
    p = t.sf((baseline.mean - means) / se, baseline.df)
    return seen, np.log10(baseline.alpha) - np.log10(np.maximum(p, 1e-300))


def askwhy_looks(
    satisfied: np.ndarray, totals: np.ndarray, days: range, rng: np.random.Generator
) -> tuple[Scores, Scores, Scores]:
    """askwhy's tests as the product runs them, after every scored response: today so far against
    the days before (each look at its α), and the seven days to now against the weeks before; and
    today's test once on the full day at the day's α. Scores are the best gated look's
    log10(α / p), alarming at 0."""
    length = len(totals)
    out = {
        key: (np.full(length, -np.inf), np.zeros(length, bool), np.ones(length)) for key in ("d", "w", "o")
    }
    k_sum, n_sum = np.r_[0, np.cumsum(satisfied)], np.r_[0, np.cumsum(totals)]
    for day in days:
        n, y = int(totals[day]), int(satisfied[day])
        if n == 0:
            continue
        today = rng.permutation(np.r_[np.ones(y), np.zeros(n - y)])
        for key, rule, length_days in (("d", DESIGN, 1), ("w", WEEKLY, 7)):
            first_day = day - length_days + 1
            blocks = range(first_day - HISTORY, first_day, length_days)
            history = [_period(int(k_sum[b + length_days] - k_sum[b]), int(n_sum[b + length_days] - n_sum[b]))
                       for b in blocks if b >= 0]  # fmt: skip
            baseline = drop_baseline(history, design=rule)
            if baseline is None:
                continue
            before = (int(k_sum[day] - k_sum[first_day]), int(n_sum[day] - n_sum[first_day]))
            seen, margin = _looks(baseline, before, today)
            gated = seen >= rule.min_responses
            if not gated.any():
                continue
            value, gate, part = out[key]
            passed = np.flatnonzero(gated & (margin >= 0))
            value[day], gate[day] = float(margin[gated].max()), True
            part[day] = (int(seen[passed[0]]) - before[1]) / n if passed.size else 1.0
            if key == "d":
                once, once_gate, _ = out["o"]
                once[day] = float(margin[-1]) + math.log10(DESIGN.alpha / baseline.alpha)
                once_gate[day] = True
    return Scores(*out["d"]), Scores(*out["w"]), Scores(*out["o"])


def zscore_drop(satisfied: np.ndarray, totals: np.ndarray, days: range) -> Scores:
    """How many standard deviations of the trailing days' CSAT the day's CSAT lies below their mean."""
    length = len(totals)
    value, gate = np.full(length, -np.inf), np.zeros(length, bool)
    csat = 100.0 * satisfied / np.maximum(totals, 1)
    for day in days:
        window = csat[day - Z_WINDOW : day][totals[day - Z_WINDOW : day] > 0]
        spread = window.std(ddof=1)
        if spread > 0:
            value[day] = (window.mean() - csat[day]) / spread
        gate[day] = totals[day] >= DESIGN.min_responses
    return Scores(value, gate, np.ones(length))


def _rate(scores: Sequence[Scores], days: Sequence[range], threshold: float) -> float:
    alarms = sum(len(s.alarms(threshold, d)) for s, d in zip(scores, days, strict=True))
    return alarms / (sum(len(d) for d in days) / 365.25)


def _found(
    scores: Scores, days: range, start: int, totals: np.ndarray, threshold: float
) -> tuple[float, float]:
    """Hours and responses from the drop's start to the first alarm (inf when none)."""
    fired = scores.alarms(threshold, days)
    if not fired:
        return np.inf, np.inf
    day, part = fired[0], float(scores.part[fired[0]])
    return 24 * (day - start + part), float(totals[start:day].sum() + round(part * totals[day]))


def _cell(hours: list[float], responses: list[float], *, unit: str) -> str:
    found = float(np.mean(np.isfinite(hours)))
    median = float(np.median(hours))
    if not np.isfinite(median):
        return f"{found:.0%}, > {HORIZON} d"
    delay = f"{median:.0f} h" if unit == "h" else f"{math.ceil(median / 24):g} d"
    return f"{found:.0%}, {delay}, {float(np.median(responses)):,.0f}"


def metric_drop_section(rng: np.random.Generator) -> list[str]:
    """The metric-drop tables: false alarms per metric-year, and detection of injected drops."""
    shares = rating_shares()
    false_rows, drop_rows = [], []
    for volume in VOLUMES:
        days = [range(HISTORY, HISTORY + int(365.25 * YEARS))] * STREAMS
        nulls = [metric_stream(rng, shares, days=d.stop, volume=volume) for d in days]
        ours = [askwhy_looks(k, n, d, rng) for (k, n), d in zip(nulls, days, strict=True)]
        z = [zscore_drop(k, n, d) for (k, n), d in zip(nulls, days, strict=True)]
        run_rate = _rate([either(o[0], o[1]) for o in ours], days, 0.0)
        day_rate, week_rate = (_rate([o[i] for o in ours], days, 0.0) for i in (0, 1))
        daily_rate = _rate([o[2] for o in ours], days, 0.0)
        matched = min((abs(_rate(z, days, float(s)) - run_rate), float(s)) for s in Z_STEPS)[1]
        false_rows.append(
            f"| {volume:,}/day | **{run_rate:.2f}** | {day_rate:.2f} | {week_rate:.2f} | {daily_rate:.2f} | "
            f"{_rate(z, days, 2.0):.2f} | "
            f"{matched:g}σ: {_rate(z, days, matched):.2f} |"
        )
        print("metric drops", false_rows[-1], flush=True)
        for drop in DROPS:
            cells: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in ("run", "z2", "zm")}
            for _ in range(RUNS):
                start = HISTORY + int(rng.integers(0, 7))
                window = range(start, start + HORIZON)
                k, n = metric_stream(rng, shares, days=start + HORIZON, volume=volume, drop=drop, start=start)
                day_test, week_test, _ = askwhy_looks(k, n, window, rng)
                run = either(day_test, week_test)
                zs = zscore_drop(k, n, window)
                for key, sc, threshold in (("run", run, 0.0), ("z2", zs, 2.0), ("zm", zs, matched)):
                    hours, responses = _found(sc, window, start, n, threshold)
                    cells[key][0].append(hours)
                    cells[key][1].append(responses)
            drop_rows.append(
                f"| −{drop:g} points at {volume:,}/day | {_cell(*cells['run'], unit='h')} | "
                f"{_cell(*cells['zm'], unit='d')} | {_cell(*cells['z2'], unit='d')} |"
            )
            print("metric drops", drop_rows[-1], flush=True)
    return [
        "### Metric drops: CSAT from the clothing reviews' ratings",
        "",
        f"False alarms per metric-year on null streams ({STREAMS} streams × {YEARS} years per volume; "
        f"CSAT {100 * shares[3:].sum():.1f} on average):",
        "",
        "| volume | askwhy as run (after every response) | of it: today | of it: last 7 days "
        "| askwhy, today tested once a day | z-score 2σ | z-score matched to askwhy as run |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *false_rows,
        "",
        f"Detection of injected drops ({RUNS} runs each): found within {HORIZON} days, median delay, "
        "median scored responses since the drop began:",
        "",
        "| injected | askwhy as run | z matched to as run | z-score 2σ |",
        "| --- | --- | --- | --- |",
        *drop_rows,
        "",
    ]
