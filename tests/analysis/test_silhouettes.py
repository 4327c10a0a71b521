"""Silhouettes of many partitions at once are scikit-learn's, to the bit."""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.metrics import silhouette_samples

from askwhy.analysis.silhouettes import silhouettes


def _distance(rows: np.ndarray) -> np.ndarray:
    distance = np.clip(1 - rows @ rows.T, 0, None)
    np.fill_diagonal(distance, 0)
    return distance


def test_nested_cuts_and_a_partition_that_does_not_nest_score_as_scikit_learn() -> None:
    rng = np.random.default_rng(7)
    rows = rng.normal(size=(300, 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    tree = linkage(rows.astype(np.float64), method="ward")
    partitions = [fcluster(tree, k, criterion="maxclust") for k in range(2, 12)]
    partitions.append(rng.integers(0, 4, len(rows)))
    distance = _distance(rows)

    got = silhouettes(distance, partitions)

    for values, labels in zip(got, partitions, strict=True):
        expected = silhouette_samples(distance, labels, metric="precomputed")
        assert values.dtype == expected.dtype
        assert np.array_equal(values, expected)


def test_a_text_alone_in_its_group_scores_zero() -> None:
    rows = np.eye(4, dtype=np.float32)
    labels = np.array([0, 0, 1, 2])

    (values,) = silhouettes(_distance(rows), [labels])

    assert np.array_equal(values, silhouette_samples(_distance(rows), labels, metric="precomputed"))
    assert values[2] == 0
    assert values[3] == 0
