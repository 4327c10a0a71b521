"""Responses grouped by what driver and change analysis read of them: (score, themes mentioned).

Relative weights, their bootstrap and the change decomposition depend on a response only through
its score and the set of themes it mentions, so 100,000 responses collapse into the few thousand
distinct patterns they show, each with how many responses show it. Resampling responses is then
resampling patterns with multinomial counts, and a least-squares fit on responses is the same fit
weighted by those counts: the figures are unchanged, and the store never sends every response.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from askwhy.analysis.themed import FloatArray, IntArray, ThemedScores
from askwhy.domain.scales import SCALES, Metric


@dataclass(frozen=True, eq=False)
class ThemePatterns:
    """P distinct patterns × k themes: ``mentions[p, j]`` is 1 when pattern p mentions theme j,
    ``scores[p]`` its score and ``counts[p]`` (≥ 1) how many responses show it.

    Patterns are kept in one canonical order (score, then mentions), whatever order they were read
    in, so a seeded bootstrap gives the same figure from the store and from the responses.
    ``sentiment[j]`` (optional) is theme j's mean sentiment over the responses mentioning it, each
    response counting once with the mean of its sentences on the theme (NaN where none).
    """

    themes: tuple[str, ...]
    mentions: FloatArray
    scores: IntArray
    counts: IntArray
    sentiment: FloatArray | None = None

    @classmethod
    def build(
        cls,
        *,
        themes: Sequence[str],
        mentions: ArrayLike,
        scores: ArrayLike,
        counts: ArrayLike,
        sentiment: ArrayLike | None = None,
    ) -> ThemePatterns:
        """Check shapes and values, merge repeated patterns and put them in canonical order."""
        k = len(themes)
        score_array = np.asarray(scores)
        count_array = np.asarray(counts, dtype=np.int64)
        flat = np.asarray(mentions, dtype=np.float64)
        rows = score_array.size
        if score_array.ndim != 1 or count_array.shape != (rows,) or flat.size != rows * k:
            raise ValueError(
                f"{flat.size} mentions of {k} themes, {rows} scores and {count_array.size} counts"
            )
        matrix = flat.reshape(rows, k)
        if not np.all((matrix == 0) | (matrix == 1)):
            raise ValueError("mentions must be 0 or 1")
        if len(set(themes)) != k:
            raise ValueError("theme names must be unique")
        if not np.all(np.equal(np.mod(score_array, 1), 0)):
            raise ValueError("scores must be whole numbers")
        if np.any(count_array < 0):
            raise ValueError("counts cannot be negative")
        feelings = None
        if sentiment is not None:
            feelings = np.asarray(sentiment, dtype=np.float64)
            if feelings.shape != (k,):
                raise ValueError(f"sentiment has shape {feelings.shape}, expected ({k},)")
        kept = count_array > 0
        merged_mentions, merged_scores, merged_counts = _canonical(
            matrix[kept], score_array[kept].astype(np.int64), count_array[kept]
        )
        return cls(tuple(themes), merged_mentions, merged_scores, merged_counts, feelings)

    @classmethod
    def of(cls, data: ThemedScores) -> ThemePatterns:
        """The patterns of per-response data: the same figures from fewer rows."""
        feelings = None
        if data.sentiment is not None:
            mentioned = (data.mentions == 1) & np.isfinite(data.sentiment)
            sums = np.where(mentioned, data.sentiment, 0.0).sum(axis=0)
            responses = mentioned.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                feelings = np.where(responses > 0, sums / np.maximum(responses, 1), np.nan)
        return cls.build(
            themes=data.themes,
            mentions=data.mentions,
            scores=data.scores,
            counts=np.ones(data.n, dtype=np.int64),
            sentiment=feelings,
        )

    @property
    def n(self) -> int:
        """Responses, not patterns."""
        return int(self.counts.sum())

    def shares(self) -> FloatArray:
        """Share of responses mentioning each theme (k), 0..1."""
        return np.asarray(self.counts @ self.mentions / max(self.n, 1), dtype=np.float64)

    def column(self, theme: str) -> FloatArray:
        """The 0/1 mentions of one theme per pattern, zeros when the theme is not in this data."""
        if theme in self.themes:
            return self.mentions[:, self.themes.index(theme)]
        return np.zeros(len(self.scores))

    def histograms(self, metric: Metric) -> tuple[IntArray, IntArray]:
        """Score counts among each theme's mentioners (k × levels), and overall (levels)."""
        scale = SCALES[metric]
        levels = np.arange(scale.low, scale.high + 1)
        if np.any((self.scores < scale.low) | (self.scores > scale.high)):
            raise ValueError(f"{metric.value} scores must lie in {scale.low}–{scale.high}")
        one_hot = (self.scores[:, None] == levels[None, :]) * self.counts[:, None].astype(np.float64)
        with_theme = np.rint(self.mentions.T @ one_hot).astype(np.int64)
        return with_theme, np.rint(one_hot.sum(axis=0)).astype(np.int64)

    def histogram(self, metric: Metric) -> dict[int, int]:
        """Score → responses, as the metric estimates take it."""
        low = SCALES[metric].low
        _, total = self.histograms(metric)
        return {low + i: int(c) for i, c in enumerate(total) if c}


def as_patterns(data: ThemedScores | ThemePatterns) -> ThemePatterns:
    """Patterns as they are, or the patterns of per-response data."""
    return data if isinstance(data, ThemePatterns) else ThemePatterns.of(data)


def _canonical(
    mentions: FloatArray, scores: IntArray, counts: IntArray
) -> tuple[FloatArray, IntArray, IntArray]:
    """Distinct (score, mentions) rows in sorted order, with the counts of repeats added up.

    Each row is packed into bytes (score, then the mentions eight to a byte) and sorted as one
    opaque value: much faster than sorting float rows column by column."""
    k = mentions.shape[1]
    if len(scores) == 0:
        return np.zeros((0, k)), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    offset = int(scores.min())
    key_scores = (scores - offset).astype(np.uint16).byteswap().view(np.uint8).reshape(-1, 2)
    packed = np.packbits(mentions.astype(bool), axis=1) if k else np.zeros((len(scores), 0), np.uint8)
    rows = np.ascontiguousarray(np.column_stack([key_scores, packed]))
    keys = rows.view(np.dtype((np.void, rows.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=counts, minlength=len(first)).astype(np.int64)
    return mentions[first], scores[first], merged
