"""Emerging issues: false alarms on null streams and detection delay on injected rises.

    nice -n 10 .venv/bin/python -m bench.emerging_issues

Replays are built from real labelled data: each day draws responses from a real set's rows
(Banking77's 30 most common intents; the clothing reviews' 20 product classes), with weekly
seasonality and over-dispersed volume (negative binomial), and each day's theme shares themselves
drifting around the set's own frequencies (Dirichlet), as real shares do. A response's theme is
its human label, so the replay measures the detector, not the coding.

Three rules run on the same streams, each with the same volume gate (5 mentions) and cooldown:
- askwhy's detector (`askwhy.analysis.emerging`), designed for ≤ 1 false alarm per theme-year;
- a 2σ z-score of the day's share against the trailing 56 days (the common commercial rule);
- a percentage change: the day's share ≥ 1.5× the trailing 56-day share;
- and, for a fair delay comparison, the z-score rule with its threshold raised until its own
  false-alarm rate on the null streams matches askwhy's.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from askwhy.analysis.emerging import Design, PeriodCount, alarms, rising
from bench.common import machine, write_section
from bench.corpora import banking77, clothing_themes

DESIGN = Design()
BASELINE = DESIGN.baseline_periods + DESIGN.guard_periods
"""Days of history each test reads: the baseline and the guard before today."""
YEARS = 2
HORIZON = 28
"""Days after the injection within which a detection counts."""
WEEK = np.array([1.15, 1.1, 1.05, 1.0, 0.95, 0.45, 0.4]) / 0.871
CONCENTRATION = 3000.0
"""Dirichlet concentration of the daily shares: lower means shares drift more from day to day."""

Rule = Callable[[np.ndarray, np.ndarray, int], bool]
"""(mentions per day, responses per day, today) → alarm today?"""


@dataclass(frozen=True)
class Replay:
    name: str
    shares: np.ndarray


def replays() -> list[Replay]:
    """Theme frequencies of two real labelled sets: a support desk and a shop."""
    out = []
    for name, themes, keep in (
        ("Banking77 (30 intents)", banking77(), 30),
        ("Clothing reviews (20 classes)", clothing_themes(), 20),
    ):
        counts = Counter(themes.fine).most_common(keep)
        total = sum(c for _, c in counts)
        out.append(Replay(name, np.array([c / total for _, c in counts])))
    return out


def stream(
    rng: np.random.Generator, shares: np.ndarray, *, days: int, volume: float
) -> tuple[np.ndarray, np.ndarray]:
    """Counts per theme and day, and responses per day."""
    means = volume * WEEK[np.arange(days) % 7]
    totals = rng.negative_binomial(20, 20 / (20 + means))
    daily = rng.dirichlet(shares * CONCENTRATION, size=days)
    counts = np.stack([rng.multinomial(n, p) for n, p in zip(totals, daily, strict=True)], axis=1)
    return counts, totals


def ours(counts: np.ndarray, totals: np.ndarray, day: int) -> bool:
    history = [PeriodCount(int(counts[d]), int(totals[d])) for d in range(day - BASELINE, day)]
    test = rising(history, PeriodCount(int(counts[day]), int(totals[day])), design=DESIGN)
    return bool(alarms({"t": test}, design=DESIGN))


def zscore(threshold: float) -> Rule:
    def rule(counts: np.ndarray, totals: np.ndarray, day: int) -> bool:
        window = slice(day - BASELINE, day)
        shares = counts[window] / np.maximum(totals[window], 1)
        spread = shares.std(ddof=1)
        today = counts[day] / max(totals[day], 1)
        return bool(
            counts[day] >= DESIGN.min_mentions
            and spread > 0
            and (today - shares.mean()) / spread >= threshold
        )

    return rule


def percentage(counts: np.ndarray, totals: np.ndarray, day: int) -> bool:
    window = slice(day - BASELINE, day)
    base = counts[window].sum() / max(totals[window].sum(), 1)
    return bool(counts[day] >= DESIGN.min_mentions and counts[day] / max(totals[day], 1) >= 1.5 * base)


def first_alarms(rule: Rule, counts: np.ndarray, totals: np.ndarray, days: range) -> list[int]:
    """Days the rule alarms on, honouring the cooldown after each alarm."""
    fired: list[int] = []
    for day in days:
        if fired and day - fired[-1] < DESIGN.cooldown_periods:
            continue
        if rule(counts, totals, day):
            fired.append(day)
    return fired


def false_alarm_rate(rule: Rule, nulls: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    alarms_total, theme_days = 0, 0
    for counts, totals in nulls:
        for theme in range(counts.shape[0]):
            days = range(BASELINE, counts.shape[1])
            alarms_total += len(first_alarms(rule, counts[theme], totals, days))
            theme_days += len(days)
    return alarms_total / (theme_days / 365.25)


def detection(
    rule: Rule, injected: Sequence[tuple[np.ndarray, np.ndarray, int]]
) -> tuple[float, float, float]:
    """Share of injections detected within the horizon, median delay in days and in responses."""
    delays, responses = [], []
    for counts, totals, start in injected:
        fired = first_alarms(rule, counts, totals, range(start, start + HORIZON))
        if fired:
            delays.append(fired[0] - start + 1)
            responses.append(int(totals[start : fired[0] + 1].sum()))
    found = len(delays) / len(injected)
    return (
        found,
        float(np.median(delays)) if delays else float("nan"),
        float(np.median(responses)) if responses else float("nan"),
    )


def injections(
    rng: np.random.Generator, replay: Replay, *, ratio: float, volume: float, runs: int
) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """One theme's share multiplied by ``ratio`` from a random day after the baseline (ratio 0: a
    brand-new theme at 2% of responses)."""
    out = []
    for _ in range(runs):
        days = BASELINE + 7 + HORIZON
        start = BASELINE + int(rng.integers(0, 7))
        shares = np.append(replay.shares, 0.0) if ratio == 0 else replay.shares
        theme = len(shares) - 1 if ratio == 0 else int(rng.integers(len(shares) // 3, 2 * len(shares) // 3))
        counts, totals = stream(rng, np.maximum(shares, 1e-9), days=days, volume=volume)
        row = counts[theme].astype(float)
        base = shares[theme] if ratio else 0.0
        lifted = 0.02 if ratio == 0 else base * ratio
        extra = rng.binomial(totals[start:], max(lifted - base, 0.0))
        row[start:] = row[start:] + extra
        out.append((row.astype(int), totals, start))
    return out


def calibrated_z(target: float, nulls: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """The lowest z threshold (in steps of 0.25) whose false-alarm rate on the nulls is ≤ ``target``."""
    for threshold in np.arange(2.0, 6.01, 0.25):
        if false_alarm_rate(zscore(float(threshold)), nulls) <= target:
            return float(threshold)
    return 6.0


def main() -> None:
    started = time.perf_counter()
    rng = np.random.default_rng(20261207)
    lines = [
        "## Emerging issues: false alarms and detection delay",
        "",
        "Command: `nice -n 10 .venv/bin/python -m bench.emerging_issues`. "
        f"Machine: {machine()}. Each replay: {YEARS} simulated years of daily volume about 300 "
        "responses (weekly seasonality, negative-binomial volume, Dirichlet-drifting shares), "
        f"{DESIGN.baseline_periods}-day trailing baseline (ending {DESIGN.guard_periods} days before the day tested; the other rules use all {BASELINE} days), gates of {DESIGN.min_mentions} mentions and a "
        f"{DESIGN.cooldown_periods}-day cooldown for every rule. Design target: ≤ "
        f"{DESIGN.false_alarms_per_theme_year:g} false alarm per theme-year.",
        "",
    ]
    for replay in replays():
        nulls = [stream(rng, replay.shares, days=BASELINE + int(365.25 * YEARS), volume=300)]
        ours_rate = false_alarm_rate(ours, nulls)
        threshold = calibrated_z(ours_rate, nulls)
        rules: dict[str, Rule] = {
            "askwhy": ours,
            "z-score 2σ": zscore(2.0),
            "change ≥ 1.5×": percentage,
            f"z-score {threshold:g}σ (same false alarms as askwhy)": zscore(threshold),
        }
        rates = {name: false_alarm_rate(rule, nulls) for name, rule in rules.items()}
        lines += [
            f"### {replay.name}: {len(replay.shares)} themes",
            "",
            "| rule | false alarms per theme-year (null) | "
            + " | ".join(f"{label}: found, median days, median responses" for label in _scenario_labels())
            + " |",
            "| --- | ---: |" + " --- |" * len(_scenario_labels()),
        ]
        scenarios = {
            label: injections(rng, replay, ratio=ratio, volume=volume, runs=20)
            for label, (ratio, volume) in zip(_scenario_labels(), _scenarios(), strict=True)
        }
        for name, rule in rules.items():
            cells = []
            for injected in scenarios.values():
                found, days, responses = detection(rule, injected)
                cells.append(f"{found:.0%}, {days:g}, {responses:g}")
            lines.append(f"| {name} | {rates[name]:.2f} | " + " | ".join(cells) + " |")
            print(replay.name, name, f"{rates[name]:.2f}", cells, flush=True)
        lines.append("")
    lines.append(f"Run time: {time.perf_counter() - started:.0f} s.")
    write_section("emerging", "\n".join(lines))


def _scenarios() -> list[tuple[float, float]]:
    return [(1.5, 300), (2.0, 100), (2.0, 300), (2.0, 1000), (3.0, 300), (0.0, 300)]


def _scenario_labels() -> list[str]:
    return [
        "1.5× at 300/day",
        "2× at 100/day",
        "2× at 300/day",
        "2× at 1,000/day",
        "3× at 300/day",
        "new theme at 2% (300/day)",
    ]


if __name__ == "__main__":
    main()
