"""When there is no score, sentiment is the outcome: what drives complaints, and what changed.

The outcome is the share of negative responses (in percent) and the mean sentiment (−1..1).
Drivers: for every theme, the negative share among responses that mention it and among those that
do not, the points of the overall negative share it accounts for (overall minus without it), and a
two-proportion test with a Benjamini–Hochberg false-discovery rate across themes. Change: the
difference in negative share between two groups of responses (two periods, or a segment and the
rest), tested, and split over themes the same two-fold way as the metric's change (see
`askwhy.analysis.change`): baseline + Σ effects = the change, exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
FALSE_DISCOVERY_RATE = 0.05
RIDGE = 1e-6


@dataclass(frozen=True, eq=False)
class SentimentOutcome:
    """n responses × k themes, with each response's sentiment label as negative or not."""

    themes: tuple[str, ...]
    mentions: FloatArray
    negative: FloatArray
    """1 for a negative response, else 0."""
    sentiment: FloatArray
    """Each response's sentiment score on −1..1."""

    @classmethod
    def build(
        cls, *, themes: Sequence[str], mentions: ArrayLike, negative: ArrayLike, sentiment: ArrayLike
    ) -> SentimentOutcome:
        matrix = np.asarray(mentions, dtype=np.float64).reshape(-1, len(themes))
        flags = np.asarray(negative, dtype=np.float64).reshape(-1)
        scores = np.asarray(sentiment, dtype=np.float64).reshape(-1)
        if not len(flags) == len(scores) == len(matrix):
            raise ValueError(f"{len(matrix)} rows of mentions, {len(flags)} labels, {len(scores)} scores")
        return cls(tuple(themes), matrix, flags, scores)

    @property
    def n(self) -> int:
        return len(self.negative)

    def negative_share(self) -> float:
        """Percent of negative responses."""
        return float(100 * self.negative.mean()) if self.n else float("nan")


@dataclass(frozen=True)
class OutcomeDriver:
    theme: str
    mentions: int
    share: float
    """Share of responses mentioning the theme, 0..1."""
    negative_with: float
    """Percent negative among the responses that mention the theme."""
    negative_without: float | None
    impact: float | None
    """Points of the overall negative share the theme accounts for: overall − without it."""
    mean_sentiment: float
    p_value: float
    significant: bool


@dataclass(frozen=True)
class OutcomeDrivers:
    n: int
    negative_share: float
    mean_sentiment: float
    drivers: tuple[OutcomeDriver, ...]
    """Largest impact first."""


def two_proportion_p(hits_a: float, n_a: float, hits_b: float, n_b: float) -> float:
    """Two-sided p-value of a pooled two-proportion z-test (1.0 when it cannot be computed)."""
    if n_a == 0 or n_b == 0:
        return 1.0
    pooled = (hits_a + hits_b) / (n_a + n_b)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if spread == 0:
        return 1.0
    # The normal's two-sided tail, 2·(1 − Φ(|z|)) = erfc(|z|/√2), without SciPy's import (a second
    # of CPU for a server or worker starting up that reads this module).
    return math.erfc(float(abs(hits_a / n_a - hits_b / n_b) / spread) / math.sqrt(2))


def benjamini_hochberg(p_values: Sequence[float], rate: float = FALSE_DISCOVERY_RATE) -> list[bool]:
    """Which hypotheses are rejected at the false-discovery rate `rate`."""
    order = np.argsort(p_values, kind="stable")
    m = len(p_values)
    passed = [p_values[i] <= rate * (rank + 1) / m for rank, i in enumerate(order)]
    cutoff = max((rank for rank, ok in enumerate(passed) if ok), default=-1)
    rejected = [False] * m
    for rank, i in enumerate(order):
        rejected[int(i)] = rank <= cutoff
    return rejected


def sentiment_drivers(data: SentimentOutcome) -> OutcomeDrivers:
    """Every theme's part in the share of negative responses."""
    if data.n == 0:
        raise ValueError("sentiment drivers need at least one response")
    overall = data.negative_share()
    rows = []
    for j, theme in enumerate(data.themes):
        mask = data.mentions[:, j] == 1
        hits, count = float(data.negative[mask].sum()), int(mask.sum())
        rest_hits, rest = float(data.negative[~mask].sum()), int((~mask).sum())
        without = 100 * rest_hits / rest if rest else None
        rows.append(
            (
                theme,
                count,
                100 * hits / count if count else float("nan"),
                without,
                float(data.sentiment[mask].mean()) if count else float("nan"),
                two_proportion_p(hits, count, rest_hits, rest),
            )
        )
    significant = benjamini_hochberg([row[5] for row in rows])
    drivers = [
        OutcomeDriver(
            theme=theme,
            mentions=count,
            share=count / data.n,
            negative_with=negative_with,
            negative_without=without,
            impact=None if without is None else overall - without,
            mean_sentiment=mean,
            p_value=p,
            significant=flag,
        )
        for (theme, count, negative_with, without, mean, p), flag in zip(rows, significant, strict=True)
    ]
    ordered = sorted(drivers, key=lambda d: (-(d.impact if d.impact is not None else -np.inf), d.theme))
    return OutcomeDrivers(data.n, overall, float(data.sentiment.mean()), tuple(ordered))


@dataclass(frozen=True)
class OutcomeEffect:
    theme: str
    share_before: float
    share_after: float
    effect: float
    """Points of the change in negative share this theme accounts for (volume and severity)."""


@dataclass(frozen=True)
class OutcomeChange:
    before: float
    after: float
    """Percent negative in each group."""
    delta: float
    mean_sentiment_before: float
    mean_sentiment_after: float
    p_value: float
    significant: bool
    baseline: float
    """The part of the change no theme accounts for."""
    effects: tuple[OutcomeEffect, ...]
    """Largest absolute effect first."""


def sentiment_change(before: SentimentOutcome, after: SentimentOutcome) -> OutcomeChange:
    """The change in negative share from `before` to `after`, tested and split over themes."""
    if before.themes != after.themes:
        raise ValueError("both groups must have the same themes")
    if before.n == 0 or after.n == 0:
        raise ValueError("a change needs responses in both groups")
    _alpha0, beta0 = _fit(before)
    _alpha1, beta1 = _fit(after)
    share0, share1 = before.mentions.mean(axis=0), after.mentions.mean(axis=0)
    effects = (share1 - share0) * (beta0 + beta1) / 2 + (beta1 - beta0) * (share0 + share1) / 2
    p = two_proportion_p(before.negative.sum(), before.n, after.negative.sum(), after.n)
    delta = after.negative_share() - before.negative_share()
    rows = [
        OutcomeEffect(theme, float(share0[j]), float(share1[j]), float(effects[j]))
        for j, theme in enumerate(before.themes)
    ]
    return OutcomeChange(
        before=before.negative_share(),
        after=after.negative_share(),
        delta=delta,
        mean_sentiment_before=float(before.sentiment.mean()),
        mean_sentiment_after=float(after.sentiment.mean()),
        p_value=p,
        significant=p < FALSE_DISCOVERY_RATE,
        baseline=delta - float(effects.sum()),
        effects=tuple(sorted(rows, key=lambda e: (-abs(e.effect), e.theme))),
    )


def _fit(data: SentimentOutcome) -> tuple[float, FloatArray]:
    """Least squares of 100 × negative on the theme indicators (a tiny ridge keeps it defined)."""
    x = np.column_stack([np.ones(data.n), data.mentions])
    y = 100 * data.negative
    penalty = RIDGE * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    coef = np.linalg.solve(x.T @ x + penalty * data.n, x.T @ y)
    return float(coef[0]), np.asarray(coef[1:], dtype=np.float64)
