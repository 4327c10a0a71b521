"""Johnson's relative weights: how much of the explained variance each predictor carries.

Relative weights split R² among correlated predictors (Johnson 2000): the predictors are replaced by
their closest orthogonal counterparts, the outcome is regressed on those, and each orthogonal
variable's share is mapped back to the original predictors. The weights are non-negative and sum
to R². Bootstrap percentile intervals give their uncertainty; because a weight is never below zero,
significance is judged the way Tonidandel, LeBreton & Johnson (2009) recommend: against a random
predictor added to the model, a driver counts only when its weight beats the random one's. The
random predictor is a coin tossed once per response: a 0/1 indicator like the themes it is
compared with, and one that lets responses be counted by pattern (`bootstrap_pattern_weights`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_EIGEN_TOLERANCE = 1e-10
_VARIANCE_TOLERANCE = 1e-12
_MULTINOMIAL_COST = 16
"""A multinomial draw costs about this many times one response drawn, per row (numpy 2 on this
machine's CPU: 143 ns a row against 8 ns a response)."""


@dataclass(frozen=True, eq=False)
class RelativeWeights:
    """Weights (summing to R²), their bootstrap intervals and which beat a random predictor."""

    weights: FloatArray
    r_squared: float
    low: FloatArray
    high: FloatArray
    r_squared_low: float
    r_squared_high: float
    margin_low: FloatArray
    """Lower bound of the interval of (weight − weight of a random predictor)."""
    significant: BoolArray
    resamples: int
    confidence: float


def relative_weights(x: FloatArray, y: FloatArray) -> tuple[FloatArray, float]:
    """Relative weights of the columns of ``x`` for ``y``, and R² of the linear regression.

    Constant columns get weight 0; perfectly collinear columns share their weight (pseudo-inverse).
    """
    data = np.column_stack([x, y])
    weights, r_squared = _weights_from_covariances(np.cov(data, rowvar=False, bias=True)[None])
    return weights[0], float(r_squared[0])


def bootstrap_relative_weights(
    x: FloatArray, y: FloatArray, *, resamples: int = 300, confidence: float = 0.95, seed: int = 0
) -> RelativeWeights:
    """Relative weights with percentile bootstrap intervals over ``resamples`` row resamples (seeded).

    The definition, one row per response; `bootstrap_pattern_weights` gives the same figure (in
    distribution) from distinct rows and their counts, and is what the product runs."""
    n, k = x.shape
    _check(n, resamples)
    rng = np.random.default_rng(seed)
    coin = rng.integers(0, 2, n).astype(np.float64)
    data = np.column_stack([x, coin, y])
    data -= data.mean(axis=0)  # centring first keeps the moment arithmetic accurate
    covariances = np.empty((resamples, k + 2, k + 2))
    transposed = np.ascontiguousarray(data.T)
    # These tall, thin products run an order of magnitude faster on one BLAS thread than on many
    # threads competing for a busy machine's cores.
    with threadpool_limits(limits=1):
        for b in range(resamples):
            counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
            mean = transposed @ counts / n
            covariances[b] = (transposed * counts) @ data / n - np.outer(mean, mean)
    weights, r_squared = relative_weights(x, y)
    return _summary(covariances, weights, r_squared, confidence=confidence)


def bootstrap_pattern_weights(
    x: FloatArray,
    y: FloatArray,
    counts: NDArray[np.int64],
    *,
    resamples: int = 300,
    confidence: float = 0.95,
    seed: int = 0,
) -> RelativeWeights:
    """`bootstrap_relative_weights` of the responses that ``counts[p]`` times repeat row p.

    Drawing n responses with replacement draws each distinct row a multinomial number of times
    (n, counts / n), so each resample costs the number of distinct rows, not of responses. The
    random predictor is a coin per response; the heads among a row's responses are binomial, so
    rows are split by coin and the split rows resampled: the same distribution as one row each.
    Rows equal in x and y (NPS scores 0 and 6 are both −100) are merged first, for fewer rows."""
    n, k = int(counts.sum()), x.shape[1]
    _check(n, resamples)
    x, y, counts = _merged(x, y, counts)
    rng = np.random.default_rng(seed)
    heads = rng.binomial(counts, 0.5)
    weights = np.concatenate([heads, counts - heads]).astype(np.float64)
    coin = np.repeat([1.0, 0.0], len(counts))
    data = np.column_stack([np.vstack([x, x]), coin, np.concatenate([y, y])])[weights > 0]
    weights = weights[weights > 0]
    data -= weights @ data / n
    transposed = np.ascontiguousarray(data.T)
    point = (transposed * weights) @ data / n
    covariances = np.empty((resamples, k + 2, k + 2))
    with threadpool_limits(limits=1):  # as above
        for b in range(resamples):
            drawn = _resampled(rng, weights, n)
            mean = transposed @ drawn / n
            covariances[b] = (transposed * drawn) @ data / n - np.outer(mean, mean)
    without_coin = np.delete(np.delete(point, k, axis=0), k, axis=1)
    fitted, r_squared = _weights_from_covariances(without_coin[None])
    return _summary(covariances, fitted[0], float(r_squared[0]), confidence=confidence)


def _merged(
    x: FloatArray, y: FloatArray, counts: NDArray[np.int64]
) -> tuple[FloatArray, FloatArray, NDArray[np.int64]]:
    """Distinct (x, y) rows, sorted, with their counts added up."""
    rows, inverse = np.unique(np.column_stack([y, x]), axis=0, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=counts, minlength=len(rows)).astype(np.int64)
    return rows[:, 1:], rows[:, 0], merged


def _resampled(rng: np.random.Generator, weights: FloatArray, n: int) -> FloatArray:
    """How many of n responses drawn with replacement fall in each row: multinomial(n, weights / n).

    Drawn as a multinomial when rows are few; when they are nearly as many as the responses,
    drawing the responses themselves is cheaper and has the same distribution."""
    if len(weights) * _MULTINOMIAL_COST < n:
        return rng.multinomial(n, weights / n).astype(np.float64)
    owner = np.repeat(np.arange(len(weights)), weights.astype(np.int64))
    return np.bincount(owner[rng.integers(0, n, n)], minlength=len(weights)).astype(np.float64)


def _check(n: int, resamples: int) -> None:
    if n < 3:
        raise ValueError("relative weights need at least three responses")
    if resamples < 20:
        raise ValueError("use at least 20 bootstrap resamples")


def _summary(
    covariances: FloatArray, weights: FloatArray, r_squared: float, *, confidence: float
) -> RelativeWeights:
    """Intervals and significance from the resamples' covariances (themes, coin, outcome last)."""
    k = covariances.shape[1] - 2
    without_coin = np.delete(np.delete(covariances, k, axis=1), k, axis=2)
    boot_weights, boot_r2 = _weights_from_covariances(without_coin)
    with_coin, _ = _weights_from_covariances(covariances)
    margins = with_coin[:, :k] - with_coin[:, k : k + 1]
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(boot_weights, [tail, 1.0 - tail], axis=0)
    r2_low, r2_high = np.quantile(boot_r2, [tail, 1.0 - tail])
    margin_low = np.quantile(margins, tail, axis=0)
    return RelativeWeights(
        weights=weights,
        r_squared=r_squared,
        low=low,
        high=high,
        r_squared_low=float(r2_low),
        r_squared_high=float(r2_high),
        margin_low=margin_low,
        significant=(margin_low > 0) & (weights > 0),
        resamples=len(covariances),
        confidence=confidence,
    )


def _weights_from_covariances(covariances: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Batched relative weights: ``covariances`` is B × (k+1) × (k+1) with the outcome last."""
    k = covariances.shape[1] - 1
    sd = np.sqrt(np.clip(np.diagonal(covariances, axis1=1, axis2=2), 0.0, None))
    varies = sd > _VARIANCE_TOLERANCE * np.maximum(1.0, sd.max(axis=1, keepdims=True))
    safe_sd = np.where(varies, sd, 1.0)
    correlations = covariances / safe_sd[:, :, None] / safe_sd[:, None, :]
    correlations *= varies[:, :, None] & varies[:, None, :]  # a constant variable correlates with nothing
    r_xx = correlations[:, :k, :k]
    r_xx[:, np.arange(k), np.arange(k)] = 1.0
    r_xy = correlations[:, :k, k]
    eigenvalues, eigenvectors = np.linalg.eigh(r_xx)
    kept = eigenvalues > _EIGEN_TOLERANCE * k
    root = np.sqrt(np.where(kept, eigenvalues, 0.0))
    inverse_root = np.where(kept, 1.0 / np.where(kept, root, 1.0), 0.0)
    transpose = np.swapaxes(eigenvectors, 1, 2)
    lam = eigenvectors @ (root[:, :, None] * transpose)  # R^(1/2): predictors on orthogonal variables
    beta = np.einsum("bij,bj->bi", eigenvectors @ (inverse_root[:, :, None] * transpose), r_xy)
    weights = np.einsum("bjk,bk->bj", lam**2, beta**2)
    return weights, weights.sum(axis=1)
