"""askwhy's sustained-rise test (`askwhy.analysis.sustained_rise`) scored the way the product runs
it: after every response of the day so far, the best run of days ending at that response, and the
same test once on the full day; and the product's two tests together ("either fires").

The product recomputes a run from the stored daily counts at each check (no state is kept between
checks), so the scores here are computed per day from the counts, as the product would see them.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from askwhy.analysis.emerging import Predictive
from askwhy.analysis.sustained_rise import log_ratios, rise_share, threshold
from bench.emerging_rules import DESIGN, Baselines, Scores

WINDOW = DESIGN.sustained_periods
HISTORY = DESIGN.baseline_periods + WINDOW
"""Days of history the sustained test reads: its baseline and the window runs may begin in."""
THRESHOLD = threshold(DESIGN)


def sustained(
    counts: np.ndarray, totals: np.ndarray, days: range, rng: np.random.Generator, baselines: Baselines
) -> tuple[Scores, Scores]:
    """The sustained test once per full day, and after every response of the day so far. Each score
    is the best gated look's run score over the threshold, the best of the design's ratios (alarming
    at 0); ``part`` is the part of the day seen when a look first passed."""
    length = len(totals)
    daily, daily_gate = np.full(length, -np.inf), np.zeros(length, dtype=bool)
    looks, looks_gate, part = np.full(length, -np.inf), np.zeros(length, dtype=bool), np.ones(length)
    for day in days:
        baseline = baselines.ending(day - WINDOW)
        mean_total = float(np.mean([t for t in totals[day - HISTORY : day] if t > 0] or [1.0]))
        n, y = int(totals[day]), int(counts[day])
        if baseline is None or n == 0:
            continue
        # Looks right after each mention, and at the day's first response (a run already over the
        # threshold yesterday, but cooling or gated then, may alarm at once today).
        order = rng.permutation(np.r_[np.ones(y), np.zeros(n - y)])
        seen = np.r_[1, np.flatnonzero(order) + 1]
        mentions = np.r_[int(order[0]), np.arange(1, y + 1)]
        best = np.full(len(seen), -np.inf)
        for ratio in DESIGN.sustained_ratios:
            rise = rise_share(baseline, design=DESIGN, mean_total=mean_total, ratio=ratio)
            score, full, full_gated = _looks(counts, totals, day, baseline, rise, seen, mentions)
            best = np.maximum(best, score)
            if full_gated and full > daily[day]:
                daily[day], daily_gate[day] = full, True
        gated = np.isfinite(best)
        if not gated.any():
            continue
        first = np.flatnonzero(best >= 0)
        looks[day], looks_gate[day] = float(best[gated].max()), True
        part[day] = int(seen[first[0]]) / n if first.size else 1.0
    return Scores(daily, daily_gate, np.ones(length)), Scores(looks, looks_gate, part)


def _looks(
    counts: np.ndarray,
    totals: np.ndarray,
    day: int,
    baseline: Predictive,
    rise: float,
    seen: np.ndarray,
    mentions: np.ndarray,
) -> tuple[np.ndarray, float, bool]:
    """One CUSUM's looks at ``day``: each look's run score over the threshold (−inf where the gate
    holds it), and the full day's score and whether the gate lets it alarm."""
    window = slice(day - WINDOW, day)
    scores = np.zeros(WINDOW)
    seen_days = totals[window] > 0
    scores[seen_days] = log_ratios(counts[window][seen_days], totals[window][seen_days], baseline, rise)
    runs = np.cumsum(scores[::-1])[::-1]
    start = int(np.argmax(runs))
    before = max(float(runs[start]), 0.0)
    run_y = int(counts[window][start:].sum()) if before > 0 else 0
    run_n = int(totals[window][start:].sum()) if before > 0 else 0
    score = before + log_ratios(mentions, seen, baseline, rise) - THRESHOLD
    total_y, total_n = run_y + mentions, run_n + seen
    gated = (total_y >= DESIGN.min_mentions) & (total_y - total_n * baseline.share >= DESIGN.min_excess)
    y, n = int(counts[day]), int(totals[day])
    full = before + float(log_ratios(np.array([y]), np.array([n]), baseline, rise)[0]) - THRESHOLD
    full_gated = (
        run_y + y >= DESIGN.min_mentions and run_y + y - (run_n + n) * baseline.share >= DESIGN.min_excess
    )
    return np.where(gated, score, -np.inf), full, full_gated


def either(first: Scores, second: Scores) -> Scores:
    """Two rules scored against 0 combined: a day alarms when either does, as early as the earlier."""
    fires = [(s.gate & (s.value >= 0)) for s in (first, second)]
    value = np.where(fires[0] | fires[1], 0.0, -np.inf)
    part = np.minimum(np.where(fires[0], first.part, 1.0), np.where(fires[1], second.part, 1.0))
    return replace(first, value=value, gate=fires[0] | fires[1], part=part)
