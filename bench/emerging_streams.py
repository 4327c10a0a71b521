"""The replays the emerging-issues benchmark runs on, built from real labelled data.

Each day draws responses from a real set's rows (Banking77's 30 most common intents; the clothing
reviews' 20 product classes), with weekly seasonality and over-dispersed volume (negative binomial),
and each day's theme shares themselves drifting around the set's own frequencies (Dirichlet), as
real shares do. A response's theme is its human label, so a replay measures the detector, not the
coding. Null streams inject nothing; injected streams lift one theme's share from a random day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from bench.corpora import banking77, clothing_themes
from bench.emerging_runs import HISTORY

YEARS = 2
HORIZON = 28
"""Days after the injection within which a detection counts."""
RUNS = 20
VOLUMES = (100, 300, 1000)
RATIOS = (1.5, 2.0, 3.0, 0.0)
"""0: a brand-new theme at 2% of responses."""
WEEK = np.array([1.15, 1.1, 1.05, 1.0, 0.95, 0.45, 0.4]) / 0.871
CONCENTRATION = 3000.0
"""Dirichlet concentration of the daily shares: lower means shares drift more from day to day."""


@dataclass(frozen=True)
class Replay:
    name: str
    shares: np.ndarray


@dataclass(frozen=True)
class Stream:
    """One theme's mentions per day, the responses per day, and the days tested."""

    counts: np.ndarray
    totals: np.ndarray
    days: range
    start: int = 0


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


def daily_volume(rng: np.random.Generator, *, days: int, volume: float) -> np.ndarray:
    """Responses per day: weekly seasonality and over-dispersed (negative-binomial) volume."""
    means = volume * WEEK[np.arange(days) % 7]
    return rng.negative_binomial(20, 20 / (20 + means))


def stream(
    rng: np.random.Generator, shares: np.ndarray, *, days: int, volume: float
) -> tuple[np.ndarray, np.ndarray]:
    """Counts per theme and day, and responses per day."""
    totals = daily_volume(rng, days=days, volume=volume)
    daily = rng.dirichlet(shares * CONCENTRATION, size=days)
    counts = np.stack([rng.multinomial(n, p) for n, p in zip(totals, daily, strict=True)], axis=1)
    return counts, totals


def nulls(rng: np.random.Generator, replay: Replay, volume: int) -> list[Stream]:
    counts, totals = stream(rng, replay.shares, days=HISTORY + int(365.25 * YEARS), volume=volume)
    return [Stream(counts[theme], totals, range(HISTORY, len(totals))) for theme in range(len(replay.shares))]


def injections(rng: np.random.Generator, replay: Replay, *, ratio: float, volume: float) -> list[Stream]:
    """One theme's share multiplied by ``ratio`` from a random day after the history (ratio 0: a
    brand-new theme at 2% of responses)."""
    out = []
    for _ in range(RUNS):
        days = HISTORY + 7 + HORIZON
        start = HISTORY + int(rng.integers(0, 7))
        shares = np.append(replay.shares, 0.0) if ratio == 0 else replay.shares
        theme = len(shares) - 1 if ratio == 0 else int(rng.integers(len(shares) // 3, 2 * len(shares) // 3))
        counts, totals = stream(rng, np.maximum(shares, 1e-9), days=days, volume=volume)
        base = shares[theme] if ratio else 0.0
        lifted = 0.02 if ratio == 0 else base * ratio
        row = counts[theme].copy()
        row[start:] += rng.binomial(totals[start:], max(lifted - base, 0.0))
        out.append(Stream(row, totals, range(start, start + HORIZON), start))
    return out
