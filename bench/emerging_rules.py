"""The rules the emerging-issues benchmark compares, each scored once per theme and day so that any
threshold can be tried without testing again.

- askwhy's test of the day so far (`askwhy.analysis.emerging`): a day's mentions against the
  beta-binomial predictive of its baseline. Tested once on the full day at the day's α, and as the
  product runs it: after every response, on the day so far (the mentions in a random order of the
  day's responses), each look at its own α (`Design.look_alpha`), alarming at the first look that
  passes. askwhy's other test, of sustained rises, is in `bench.emerging_runs`.
- a z-score of the day's share against the trailing days' shares (the common commercial rule);
- a percentage change: the day's share over the trailing days' pooled share.

Every rule has the same volume gate (5 mentions; askwhy also 3 more than expected) and the same
cooldown after an alarm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import betabinom

from askwhy.analysis.emerging import Design, PeriodCount, Predictive, predictive, rising_against

DESIGN = Design()
BASELINE = DESIGN.baseline_periods + DESIGN.guard_periods
"""Days of history each test reads: the baseline and the guard before today."""


class Baselines:
    """One stream's baseline predictives by the day they end, each computed once: the test of the
    day so far and the sustained test read the same baselines, 21 days apart."""

    def __init__(self, counts: np.ndarray, totals: np.ndarray) -> None:
        self.counts, self.totals = counts, totals
        self._found: dict[int, Predictive | None] = {}

    def ending(self, end: int) -> Predictive | None:
        """The predictive of the ``DESIGN.baseline_periods`` days before day ``end``."""
        if end not in self._found:
            days = range(end - DESIGN.baseline_periods, end)
            history = [PeriodCount(int(self.counts[d]), int(self.totals[d])) for d in days]
            self._found[end] = predictive(history, design=replace(DESIGN, guard_periods=0))
        return self._found[end]


@dataclass(frozen=True)
class Scores:
    """One theme's days: the rule's statistic (higher is more alarming), whether the gate lets the
    day alarm, and (for checks within the day) the part of the day's responses seen when it did."""

    value: np.ndarray
    gate: np.ndarray
    part: np.ndarray

    def alarms(self, threshold: float, days: range) -> list[int]:
        """The days the rule alarms on at ``threshold``, honouring the cooldown after each alarm."""
        fired: list[int] = []
        for day in days:
            if fired and day - fired[-1] < DESIGN.cooldown_periods:
                continue
            if self.gate[day] and self.value[day] >= threshold:
                fired.append(day)
        return fired


def _empty(days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.full(days, -np.inf), np.zeros(days, dtype=bool), np.ones(days)


def ours(
    counts: np.ndarray, totals: np.ndarray, days: range, rng: np.random.Generator, baselines: Baselines
) -> tuple[Scores, Scores]:
    """askwhy's test of the day so far: once per full day at the day's α, and as the product runs
    it, after every response of the day so far, each look at its α (`Design.look_alpha`). Both
    scores are −log10(p / α), alarming at 0 (the run's: its best gated look), and ``part`` is when
    a look first passed."""
    daily, daily_gate, _ = _empty(len(totals))
    looks, looks_gate, part = _empty(len(totals))
    for day in days:
        baseline = baselines.ending(day - DESIGN.guard_periods)
        test = rising_against(baseline, PeriodCount(int(counts[day]), int(totals[day])))
        daily[day] = math.log10(DESIGN.alpha) - math.log10(max(test.p_value, 1e-300))
        daily_gate[day] = (
            test.testable and test.mentions >= DESIGN.min_mentions and test.excess >= DESIGN.min_excess
        )
        if baseline is None or totals[day] == 0:
            continue
        n, y = int(totals[day]), int(counts[day])
        # For a given count, the earliest look is the most alarming (fewer responses for as many
        # mentions), so the looks worth testing are those right after each mention arrives.
        seen = np.flatnonzero(rng.permutation(np.r_[np.ones(y), np.zeros(n - y)])) + 1
        mentions = np.arange(1, y + 1)
        gated = (mentions >= DESIGN.min_mentions) & (mentions - seen * baseline.share >= DESIGN.min_excess)
        if not gated.any():
            continue
        p = betabinom.sf(mentions[gated] - 1, seen[gated], baseline.a, baseline.b)
        margin = -np.log10(np.maximum(p, 1e-300)) + math.log10(baseline.alpha)
        first = np.flatnonzero(margin >= 0)
        looks[day], looks_gate[day] = float(margin.max()), True
        part[day] = (int(seen[gated][first[0]]) / n) if first.size else 1.0
    return Scores(daily, daily_gate, np.ones(len(totals))), Scores(looks, looks_gate, part)


def zscore(counts: np.ndarray, totals: np.ndarray, days: range) -> Scores:
    """The day's share in standard deviations of the trailing days' shares."""
    value, gate, part = _empty(len(totals))
    shares = counts / np.maximum(totals, 1)
    for day in days:
        window = shares[day - BASELINE : day]
        spread = window.std(ddof=1)
        if spread > 0:
            value[day] = (shares[day] - window.mean()) / spread
        gate[day] = counts[day] >= DESIGN.min_mentions
    return Scores(value, gate, part)


def change(counts: np.ndarray, totals: np.ndarray, days: range) -> Scores:
    """The day's share over the trailing days' pooled share."""
    value, gate, part = _empty(len(totals))
    for day in days:
        base = counts[day - BASELINE : day].sum() / max(totals[day - BASELINE : day].sum(), 1)
        value[day] = (counts[day] / max(totals[day], 1)) / base if base > 0 else np.inf
        gate[day] = counts[day] >= DESIGN.min_mentions
    return Scores(value, gate, part)
