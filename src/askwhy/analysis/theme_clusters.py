"""Two levels of clusters for theme discovery: top-level themes, each made of subthemes.

Why it is built this way (each choice measured on every labelled set by `bench.themes_quality`):

- One Ward tree over a sample of distinct texts chosen by text hash (not by row id or a random
  draw): the same data in any order gives the same tree, and 90% of the data gives nearly the
  same sample, so nearly the same tree.
- The top level is the cut of that tree, between 8 and 30 themes, whose themes are best separated
  (the mean silhouette, by cosine, of the sampled texts), or the fewest themes within one standard
  error of that best: silhouette curves are often flat, and their maximum then moves between
  nearby counts from one sample to the next. A data-driven count replaced a count that grew with
  the number of texts: on every labelled set it agrees better with how people coded the texts, and
  a 90% sample picks the same cut more often (`docs/benchmarks.md`). Fewer than 8 only for small
  data, or where the tree shows a far clearer structure below 8 (planted groups). On a re-run
  over a codebook that has themes, its top-level count stays whenever it is within that same
  standard error: a tenth more data then finds the same top level instead of another count the
  data cannot tell apart from it.
- Subthemes are a finer cut of the same tree (twice the square root of the number of texts), so
  they nest inside the top level by construction; their centres are refined over every text with
  a few spherical k-means steps.
- Then each subtheme joins the top-level theme whose centre its texts are closest to, a few
  k-means steps over whole subthemes started from the tree's cut: the top level keeps its number
  and nesting, and its borders follow the texts rather than the order of Ward's merges (AMI up by
  0.001–0.003 on MAMS-ACSA and STAR, unchanged on Banking77).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage

from askwhy.analysis.silhouettes import silhouettes as silhouettes_of

MAX_SAMPLE = 5000
"""Ward's clustering needs n² distances: 5,000 texts take 100 MB, 25,000 would take 2.5 GB."""
TOP_THEMES = (8, 30)
"""The top level a person can read at a glance, for 1,000 texts and more."""
SMALL_DATA = 1000
SILHOUETTE_SAMPLE = 3000
"""Texts the top-level cut is judged on: 3,000² distances take 36 MB, and 23 cuts a tenth of a second."""
SUBTHEMES_PER_ROOT = 2.0
"""Subthemes in all: twice the square root of the texts (110 for 3,000, 300 for 22,500)."""
CLEAR_STRUCTURE = 2.0
"""Fewer top-level themes than the range allows only when that cut's jump is this many times larger."""
REFINE_STEPS = 4
REGROUP_STEPS = 10
OUTLIER_SPREAD = 4.0
"""A text is unassigned when its closeness to the nearest centre lies this many median absolute
deviations below the median closeness of all texts: a rule relative to the data and the model."""

Ints = NDArray[np.int64]
Floats = NDArray[np.float32]


def cluster_two_levels(
    unit: Floats,
    keys: Sequence[str],
    least: int,
    max_sample: int = MAX_SAMPLE,
    *,
    codebook: Floats | None = None,
) -> tuple[Ints, Ints]:
    """A subtheme number per row (−1 unassigned) and the top-level theme of each subtheme.

    `unit` rows are unit vectors in a fixed order (the caller sorts them by text), `keys` their
    texts' hashes (identical texts count once in the sample), `least` the smallest theme kept,
    `codebook` the unit centres of the top-level themes a codebook already has, on a re-run
    (`top_level` says when they stay). Subtheme numbers may skip subthemes that lost every row.
    """
    n = len(unit)
    distinct = sorted({key: row for row, key in reversed(list(enumerate(keys)))}.items())
    if len(distinct) < max(2, least):
        return np.full(n, -1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    sample = np.array([row for _, row in distinct[:max_sample]], dtype=np.int64)
    tree = linkage(unit[sample].astype(np.float64), method="ward")
    themes, kept_codebook = top_level(tree, unit[sample], least, n=n, codebook=codebook)
    fine = fcluster(tree, subtheme_count(tree, n, themes, len(sample)), criterion="maxclust")
    groups = np.unique(fine)
    centres = _centres(unit[sample], np.searchsorted(groups, fine), len(groups))
    if kept_codebook and codebook is not None:
        parents = np.argmax(centres @ codebook.T, axis=1).astype(np.int64)
    else:
        # Cuts of one tree nest: every subtheme lies inside one top-level theme.
        top = fcluster(tree, themes, criterion="maxclust")
        parents = np.array([top[fine == g][0] for g in groups], dtype=np.int64)
    assignment, kept = _refine(unit, centres, least)
    return assignment, _regroup(unit, assignment, parents[kept])


def top_level(
    tree: NDArray[np.float64], sampled: Floats, least: int, *, n: int, codebook: Floats | None = None
) -> tuple[int, bool]:
    """Top-level themes for `n` texts whose sample `sampled` made `tree`, and whether they are the
    `codebook`'s. From 1,000 texts: the codebook's top level (each sampled text with its nearest
    centre) where its silhouette is within one standard error of the best cut's, that cut's texts
    also moved to their nearest centre (like with like: a partition by nearest centre separates
    better than a cut of the tree); else the
    best-separated cut among 8–30 or the fewest within noise of it, or the codebook's count where
    that is within noise too (fewer than 8 only for a far clearer structure). Below 1,000 texts,
    the cut after which the next merge jumps the most."""
    fewest, most = top_range(n, least)
    clear = natural_cut(tree, fewest, most)
    if n < SMALL_DATA or clear < TOP_THEMES[0]:
        return clear, False
    silhouettes = cut_silhouettes(tree, sampled, fewest, most, codebook=codebook)
    theirs = silhouettes.pop(0, None)
    if not silhouettes:
        return fewest, False
    if codebook is not None and theirs is not None:
        best = nearest_centre_silhouettes(tree, sampled, best_cut(silhouettes))
        if float(np.mean(theirs)) >= float(np.mean(best)) - standard_error(best):
            return len(codebook), True
    return fewest_within_noise(silhouettes, current=None if codebook is None else len(codebook)), False


def top_range(n: int, least: int) -> tuple[int, int]:
    """How many top-level themes to choose between: 8–30 for 1,000 texts and more, fewer below."""
    most = max(2, min(TOP_THEMES[1], n // max(2 * least, 1)))
    fewest = TOP_THEMES[0] if n >= SMALL_DATA else 2
    return min(fewest, most), most


def cut_silhouettes(
    tree: NDArray[np.float64], sampled: Floats, fewest: int, most: int, *, codebook: Floats | None = None
) -> dict[int, NDArray[np.float64]]:
    """Silhouettes (cosine) of the first `SILHOUETTE_SAMPLE` sampled texts for each cut in
    [fewest, most]; under 0, those of the `codebook`'s top level (each text with its nearest centre)."""
    rows = sampled[:SILHOUETTE_SAMPLE].astype(np.float32)
    distance = np.clip(1 - rows @ rows.T, 0, None)
    np.fill_diagonal(distance, 0)
    partitions: dict[int, NDArray[np.integer]] = {}
    for k in range(fewest, min(most, len(tree)) + 1):
        cut = fcluster(tree, k, criterion="maxclust")[: len(rows)]
        if len(set(cut.tolist())) > 1:
            partitions[k] = cut
    if codebook is not None and len(codebook) > 1:
        nearest = np.argmax(rows @ codebook.T, axis=1)
        if len(set(nearest.tolist())) > 1:
            partitions[0] = nearest
    return dict(zip(partitions, silhouettes_of(distance, list(partitions.values())), strict=True))


def fewest_within_noise(silhouettes: dict[int, NDArray[np.float64]], *, current: int | None = None) -> int:
    """The fewest themes whose mean silhouette is within one standard error of the best cut's
    (its texts' silhouettes, spread over the square root of their number): a one-standard-error
    rule, so that on a flat curve the count does not follow noise from one sample to the next.
    A `current` count (the codebook's, on a re-run) within that error stays: the data does not
    tell it from the best, and a team's themes keep their shape."""
    floor = floor_within_noise(silhouettes)
    within = [k for k, values in silhouettes.items() if float(np.mean(values)) >= floor]
    return current if current in within else min(within)


def floor_within_noise(silhouettes: dict[int, NDArray[np.float64]]) -> float:
    """The best cut's mean silhouette less one standard error of it."""
    best = silhouettes[best_cut(silhouettes)]
    return float(np.mean(best)) - standard_error(best)


def best_cut(silhouettes: dict[int, NDArray[np.float64]]) -> int:
    """The count with the highest mean silhouette (the fewer themes on a tie)."""
    means = {k: float(np.mean(values)) for k, values in silhouettes.items()}
    return max(means, key=lambda k: (round(means[k], 4), -k))


def standard_error(values: NDArray[np.float64]) -> float:
    return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0


def nearest_centre_silhouettes(tree: NDArray[np.float64], sampled: Floats, k: int) -> NDArray[np.float64]:
    """Silhouettes of the first `SILHOUETTE_SAMPLE` sampled texts, each with the nearest centre of
    the tree's cut into `k`: scored as a codebook's top level is."""
    rows = sampled[:SILHOUETTE_SAMPLE].astype(np.float32)
    cut = np.unique(fcluster(tree, k, criterion="maxclust")[: len(rows)], return_inverse=True)[1]
    nearest = np.argmax(rows @ _centres(rows, cut, int(cut.max()) + 1).T, axis=1)
    if len(set(nearest.tolist())) < 2:
        return np.zeros(len(rows))
    distance = np.clip(1 - rows @ rows.T, 0, None)
    np.fill_diagonal(distance, 0)
    return np.asarray(silhouettes_of(distance, [nearest])[0], dtype=np.float64)


def subtheme_count(tree: NDArray[np.float64], n: int, themes: int, sampled: int) -> int:
    """Subthemes: from 1,000 texts, twice the square root of their number (110 for 3,000, 300 for
    22,500), at least two per theme and at most one per two sampled texts; below, the clearest cut
    with 20 texts or more each on average."""
    fewest = 2 * themes
    if n < SMALL_DATA:
        return natural_cut(tree, fewest, max(fewest, n // 20))
    return int(max(fewest, min(round(SUBTHEMES_PER_ROOT * np.sqrt(n)), sampled // 2)))


def natural_cut(tree: NDArray[np.float64], fewest: int, most: int) -> int:
    """The number of groups in [fewest, most] after which the next merge jumps the most; fewer
    than `fewest` only when the data has a far clearer structure there (planted, well-separated)."""
    heights = tree[:, 2]
    count = len(heights) + 1
    most = min(most, count - 1)
    if most < 2:
        return max(1, most)

    def jump(k: int) -> float:
        # Going from k groups to k − 1 costs heights[count − k]; a natural k is followed by a big step.
        return float(heights[count - k] / max(heights[count - k - 1], 1e-12))

    inside = max(range(min(fewest, most), most + 1), key=lambda k: (jump(k), -k))
    below = max(range(2, min(fewest, most) + 1), key=lambda k: (jump(k), -k))
    return below if jump(below) >= CLEAR_STRUCTURE * jump(inside) else inside


def _refine(unit: Floats, centres: Floats, least: int) -> tuple[Ints, Ints]:
    """Spherical k-means steps over all rows: each row's subtheme (−1 for an outlier) and which of
    the starting subthemes are kept (one left with fewer than `least` rows dissolves)."""
    kept = np.arange(len(centres))
    for _ in range(REFINE_STEPS):
        nearest = np.argmax(unit @ centres.T, axis=1)
        sizes = np.bincount(nearest, minlength=len(centres))
        if sizes.min() < least and (sizes >= least).any():
            keep = np.flatnonzero(sizes >= least)
            kept, centres = kept[keep], centres[keep]
            continue
        centres = _centres(unit, nearest, len(centres))
    similarity = unit @ centres.T
    nearest = np.argmax(similarity, axis=1)
    closeness = similarity[np.arange(len(unit)), nearest]
    median = float(np.median(closeness))
    spread = float(np.median(np.abs(closeness - median))) or 1e-3
    assignment = np.where(closeness >= median - OUTLIER_SPREAD * spread, nearest, -1)
    return assignment.astype(np.int64), kept


def _regroup(unit: Floats, assignment: Ints, parents: Ints) -> Ints:
    """Each subtheme's top-level theme after a few k-means steps over whole subthemes: the tree's
    cut starts them, and a subtheme then joins the theme whose centre its texts are closest to."""
    rows = np.flatnonzero(assignment >= 0)
    if not len(rows) or not len(parents):
        return parents
    sub_sums = np.zeros((len(parents), unit.shape[1]), dtype=np.float64)
    np.add.at(sub_sums, assignment[rows], unit[rows].astype(np.float64))
    _, parents = np.unique(parents, return_inverse=True)
    for _ in range(REGROUP_STEPS):
        top_sums = np.zeros((int(parents.max()) + 1, unit.shape[1]), dtype=np.float64)
        np.add.at(top_sums, parents, sub_sums)
        norms = np.linalg.norm(top_sums, axis=1, keepdims=True)
        moved = np.argmax(sub_sums @ (top_sums / np.where(norms == 0, 1.0, norms)).T, axis=1)
        if np.array_equal(moved, parents):
            break
        parents = moved
    return parents.astype(np.int64)


def _centres(unit: Floats, assignment: NDArray[np.integer], count: int) -> Floats:
    """Unit mean direction of each group (a group with no rows keeps a zero vector)."""
    onehot = sparse.csr_matrix(
        (np.ones(len(assignment), dtype=np.float64), (assignment, np.arange(len(assignment)))),
        shape=(count, len(assignment)),
    )
    sums = np.asarray(onehot @ unit.astype(np.float64))
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.asarray(sums / np.where(norms == 0, 1.0, norms), dtype=np.float32)
