"""Theme discovery: group the sentences no current theme explains, without being told how many themes.

How (measured in `bench/themes_quality.py`):

1. Average-linkage agglomerative clustering on cosine distance over a seeded sample of at most
   `max_sample` sentences, cut at `distance_threshold`: two groups are one theme while their
   sentences are, on average, at least that similar. The number of themes follows from the data.
2. Groups too small to matter in the sample are dropped; the remaining centroids are refined over
   all sentences (spherical k-means steps, each sentence to its nearest centroid), so the cost on
   25k sentences is one sample-sized clustering plus a few matrix products.
3. A sentence less similar than `min_similarity` to every centroid, or whose theme ends up with
   fewer than `min_theme_size` sentences, stays in the unassigned pool.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import KMeans

from askwhy.analysis.labels import label_clusters
from askwhy.analysis.quotes import representative

DISTANCE_THRESHOLD = 0.42
"""Average cosine distance at which groups stop merging; chosen on Banking77 train (see bench)."""
MIN_SIMILARITY = 0.4
"""A sentence this far from every theme centre is left unexplained rather than forced into one."""
MAX_SAMPLE = 5000
"""Agglomerative clustering needs n² distances: 5,000 sentences take 100 MB, 25,000 would take 2.5 GB."""
REFINE_STEPS = 5


@dataclass(frozen=True, eq=False)
class DiscoveredTheme:
    label: str
    description: str
    keywords: tuple[str, ...]
    members: tuple[int, ...]
    centroid: NDArray[np.float32] = field(repr=False)
    size: int
    sentiment: float | None
    quotes: tuple[int, ...]


def discover_themes(
    texts: Sequence[str],
    vectors: NDArray[np.float32],
    *,
    min_theme_size: int = 5,
    sentiments: Sequence[float] | None = None,
    brand_terms: Collection[str] = (),
    random_state: int = 0,
    distance_threshold: float = DISTANCE_THRESHOLD,
    min_similarity: float = MIN_SIMILARITY,
    max_sample: int = MAX_SAMPLE,
) -> list[DiscoveredTheme]:
    """Themes found among `texts` (one embedding row each), largest first; members index `texts`."""
    if len(texts) != len(vectors):
        raise ValueError(f"got {len(texts)} texts but {len(vectors)} vectors")
    if sentiments is not None and len(sentiments) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(sentiments)} sentiments")
    if min_theme_size < 1:
        raise ValueError("min_theme_size must be at least 1")
    unit = _normalise(np.asarray(vectors, dtype=np.float32))
    assignment = cluster_ids(
        unit,
        min_theme_size=min_theme_size,
        random_state=random_state,
        distance_threshold=distance_threshold,
        min_similarity=min_similarity,
        max_sample=max_sample,
    )
    labels = label_clusters(texts, assignment, brand_terms=brand_terms, sentiments=sentiments)
    themes = []
    for cluster, label in labels.items():
        members = [int(i) for i in np.flatnonzero(assignment == cluster)]
        centroid = _normalise(unit[members].mean(axis=0, keepdims=True))[0]
        quotes = representative(unit[members], centroid, [texts[i] for i in members], k=5)
        themes.append(
            DiscoveredTheme(
                label=label.name,
                description=label.description,
                keywords=label.keywords,
                members=tuple(members),
                centroid=centroid,
                size=len(members),
                sentiment=None if sentiments is None else float(np.mean([sentiments[i] for i in members])),
                quotes=tuple(members[q] for q in quotes),
            )
        )
    return sorted(themes, key=lambda t: (-t.size, t.members[0]))


def cluster_ids(
    unit: NDArray[np.float32],
    *,
    min_theme_size: int = 5,
    random_state: int = 0,
    distance_threshold: float = DISTANCE_THRESHOLD,
    min_similarity: float = MIN_SIMILARITY,
    max_sample: int = MAX_SAMPLE,
) -> NDArray[np.int64]:
    """A cluster id per normalised row, −1 for the unassigned pool (the steps of the module docstring)."""
    n = len(unit)
    if n < max(2, min_theme_size):
        return np.full(n, -1, dtype=np.int64)
    rng = np.random.default_rng(random_state)
    sample = np.sort(rng.choice(n, size=min(n, max_sample), replace=False))
    tree = linkage(unit[sample].astype(np.float64), method="average", metric="cosine")
    groups = fcluster(tree, t=distance_threshold, criterion="distance")
    least = max(2, int(np.ceil(min_theme_size * len(sample) / n)))
    centroids = [
        unit[sample[groups == g]].mean(axis=0) for g in np.unique(groups) if (groups == g).sum() >= least
    ]
    if not centroids:
        return np.full(n, -1, dtype=np.int64)
    return _refine(unit, np.asarray(centroids, dtype=np.float32), min_theme_size, min_similarity)


def _refine(
    unit: NDArray[np.float32], centroids: NDArray[np.float32], min_size: int, min_similarity: float
) -> NDArray[np.int64]:
    """Spherical k-means steps from the given centroids; small themes dissolve back into the pool."""
    for _ in range(REFINE_STEPS):
        assignment, centroids = _assign_keeping_large(unit, centroids, min_size, min_similarity)
        if len(centroids) == 0:
            break
        updated = _normalise(np.stack([unit[assignment == c].mean(axis=0) for c in range(len(centroids))]))
        if np.allclose(updated, centroids, atol=1e-4):
            break
        centroids = updated
    assignment, _ = _assign_keeping_large(unit, centroids, min_size, min_similarity)
    return _renumber(assignment)


def _assign_keeping_large(
    unit: NDArray[np.float32], centroids: NDArray[np.float32], min_size: int, min_similarity: float
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Each row to its nearest centroid (or −1), after dropping centroids that would gather too few rows."""
    centroids = _normalise(centroids)
    while len(centroids):
        similarity = unit @ centroids.T
        nearest = np.argmax(similarity, axis=1)
        assignment = np.where(similarity[np.arange(len(unit)), nearest] >= min_similarity, nearest, -1)
        sizes = np.bincount(assignment[assignment >= 0], minlength=len(centroids))
        if sizes.min() >= min_size:
            return assignment.astype(np.int64), centroids
        centroids = centroids[sizes >= min_size]
    return np.full(len(unit), -1, dtype=np.int64), centroids


def _renumber(assignment: NDArray[np.int64]) -> NDArray[np.int64]:
    """Cluster ids 0..k−1 by decreasing size, −1 unchanged."""
    ids, counts = np.unique(assignment[assignment >= 0], return_counts=True)
    order = ids[np.argsort(-counts, kind="stable")]
    mapping = {int(old): new for new, old in enumerate(order)}
    return np.array([mapping.get(int(a), -1) for a in assignment], dtype=np.int64)


def split_theme(
    vectors: NDArray[np.float32], *, parts: int = 2, random_state: int = 0
) -> list[NDArray[np.intp]]:
    """Split one theme's sentences into `parts` groups of row indices, largest first."""
    if parts < 2:
        raise ValueError("a split needs at least 2 parts")
    if len(vectors) < parts:
        raise ValueError(f"cannot split {len(vectors)} sentences into {parts} parts")
    unit = _normalise(np.asarray(vectors, dtype=np.float32))
    groups = KMeans(n_clusters=parts, n_init=10, random_state=random_state).fit_predict(unit)
    found = [np.flatnonzero(groups == g).astype(np.intp) for g in range(parts)]
    return sorted(found, key=lambda g: (-len(g), int(g[0]) if len(g) else 0))


def _normalise(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms == 0, 1.0, norms), dtype=np.float32)
