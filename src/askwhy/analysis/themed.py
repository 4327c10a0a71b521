"""Scored responses with the themes each one mentions: the input of driver and change analysis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from askwhy.domain.metrics import Statistic, resolve_statistic, respondent_value
from askwhy.domain.scales import SCALES, Metric

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class ThemedScores:
    """n responses × k themes.

    ``mentions[i, j]`` is 1 when response i mentions theme j, else 0. ``sentiment[i, j]`` (optional)
    is the sentiment of theme j in response i on −1..1, NaN where it is not mentioned.
    """

    themes: tuple[str, ...]
    mentions: FloatArray
    scores: IntArray
    sentiment: FloatArray | None = None

    @classmethod
    def build(
        cls,
        *,
        themes: Sequence[str],
        mentions: ArrayLike,
        scores: ArrayLike,
        sentiment: ArrayLike | None = None,
    ) -> ThemedScores:
        """Check shapes and values, and hold the data as numpy arrays."""
        matrix = np.asarray(mentions, dtype=np.float64).reshape(-1, len(themes))
        score_array = np.asarray(scores)
        if score_array.ndim != 1 or len(score_array) != len(matrix):
            raise ValueError(f"{len(matrix)} rows of mentions but {score_array.size} scores")
        if not np.all((matrix == 0) | (matrix == 1)):
            raise ValueError("mentions must be 0 or 1")
        if len(set(themes)) != len(themes):
            raise ValueError("theme names must be unique")
        if not np.all(np.equal(np.mod(score_array, 1), 0)):
            raise ValueError("scores must be whole numbers")
        feelings = None
        if sentiment is not None:
            feelings = np.asarray(sentiment, dtype=np.float64)
            if feelings.shape != matrix.shape:
                raise ValueError(f"sentiment has shape {feelings.shape}, mentions {matrix.shape}")
        return cls(tuple(themes), matrix, score_array.astype(np.int64), feelings)

    @property
    def n(self) -> int:
        return len(self.scores)

    def column(self, theme: str) -> FloatArray:
        """The 0/1 mentions of one theme, zeros when the theme is not in this data."""
        if theme in self.themes:
            return self.mentions[:, self.themes.index(theme)]
        return np.zeros(self.n)

    def histograms(self, metric: Metric) -> tuple[IntArray, IntArray]:
        """Score counts among each theme's mentioners (k × levels), and overall (levels)."""
        scale = SCALES[metric]
        levels = np.arange(scale.low, scale.high + 1)
        if np.any((self.scores < scale.low) | (self.scores > scale.high)):
            raise ValueError(f"{metric.value} scores must lie in {scale.low}–{scale.high}")
        one_hot = (self.scores[:, None] == levels[None, :]).astype(np.float64)
        with_theme = np.rint(self.mentions.T @ one_hot).astype(np.int64)
        return with_theme, one_hot.sum(axis=0).astype(np.int64)


def respondent_values(scores: IntArray, *, metric: Metric, statistic: Statistic | None = None) -> FloatArray:
    """Per-respondent values whose mean is the metric (NPS: +100 / 0 / −100; top-2-box: 100 / 0)."""
    chosen = resolve_statistic(metric, statistic)
    scale = SCALES[metric]
    table = {
        s: respondent_value(s, metric=metric, statistic=chosen) for s in range(scale.low, scale.high + 1)
    }
    lookup = np.array([table[s] for s in range(scale.low, scale.high + 1)])
    return lookup[np.asarray(scores, dtype=np.int64) - scale.low]
