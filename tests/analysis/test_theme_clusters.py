"""The two levels of clusters under discovery: a readable top level chosen by the data, nested
subthemes, and the same clusters for the same data or most of it."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.metrics import adjusted_rand_score

from askwhy.analysis.theme_clusters import TOP_THEMES, _regroup, cluster_two_levels, fewest_within_noise


def groups(
    count: int, size: int, *, spread: float, seed: int = 0, dimension: int = 48
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """`count` groups of `size` unit vectors around random directions, and each row's group."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(count, dimension))
    vectors = np.repeat(centres, size, axis=0) + rng.normal(scale=spread, size=(count * size, dimension))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), np.repeat(np.arange(count), size)


def keys_of(n: int) -> list[str]:
    return [f"{i:06d}" for i in range(n)]


def top_of(fine: NDArray[np.int64], parent: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.where(fine >= 0, parent[np.maximum(fine, 0)], -1)


def test_a_thousand_texts_or_more_get_eight_to_thirty_top_level_themes_with_nested_subthemes() -> None:
    vectors, _ = groups(60, 30, spread=1.0)

    fine, parent = cluster_two_levels(vectors, keys_of(len(vectors)), least=4)

    tops = set(parent.tolist())
    assert TOP_THEMES[0] <= len(tops) <= TOP_THEMES[1]
    assert len(parent) > len(tops)
    assert (fine >= 0).mean() >= 0.9
    # Each subtheme belongs to exactly one theme, so the top level is a merge of subthemes.
    assert set(np.unique(fine[fine >= 0]).tolist()) <= set(range(len(parent)))


def test_the_top_level_count_follows_the_data_not_only_its_size() -> None:
    # 1,500 texts in 12 clear groups: a count growing with the size alone would give 9 themes.
    vectors, truth = groups(12, 125, spread=0.9, seed=3)

    fine, parent = cluster_two_levels(vectors, keys_of(len(vectors)), least=4)

    assert len(set(parent.tolist())) == 12
    assert adjusted_rand_score(truth, top_of(fine, parent)) >= 0.9


def test_the_same_rows_give_the_same_clusters_every_time() -> None:
    vectors, _ = groups(40, 30, spread=1.2, seed=7)

    first = cluster_two_levels(vectors, keys_of(len(vectors)), least=4)
    second = cluster_two_levels(vectors.copy(), keys_of(len(vectors)), least=4)

    assert np.array_equal(first[0], second[0])
    assert np.array_equal(first[1], second[1])


def test_a_ninety_percent_sample_finds_the_same_top_level_themes() -> None:
    vectors, truth = groups(10, 150, spread=0.9, seed=3)
    keep = np.sort(np.random.default_rng(0).choice(len(vectors), int(0.9 * len(vectors)), replace=False))
    keys = keys_of(len(vectors))

    full_fine, full_parent = cluster_two_levels(vectors, keys, least=4)
    part_fine, part_parent = cluster_two_levels(vectors[keep], [keys[i] for i in keep], least=4)

    full_top, part_top = top_of(full_fine, full_parent), top_of(part_fine, part_parent)
    assert adjusted_rand_score(truth, full_top) >= 0.9
    assert adjusted_rand_score(full_top[keep], part_top) >= 0.9


def test_a_subtheme_the_tree_put_under_the_wrong_theme_joins_the_one_its_texts_are_closest_to() -> None:
    vectors, truth = groups(3, 60, spread=0.3, seed=4)
    # Six subthemes, two per theme, and a cut that put the fifth (rows of theme 2) under theme 0.
    fine = truth * 2 + (np.arange(len(truth)) % 2)
    parents = np.array([0, 0, 1, 1, 0, 2])

    regrouped = _regroup(vectors, fine.astype(np.int64), parents)

    assert adjusted_rand_score(truth, top_of(fine, regrouped)) == 1.0
    assert len(set(regrouped.tolist())) == 3


def silhouettes(
    means: dict[int, float], *, spread: float, texts: int = 400
) -> dict[int, NDArray[np.float64]]:
    """Per-text silhouettes with the given mean per count and a standard error of spread/√texts."""
    wobble = np.random.default_rng(0).standard_normal(texts)
    wobble = (wobble - wobble.mean()) / wobble.std(ddof=1)
    return {k: mean + spread * wobble for k, mean in means.items()}


@pytest.mark.parametrize(
    ("means", "spread", "chosen"),
    [
        # A clear peak: nothing else comes within one standard error (0.002) of 0.30.
        ({8: 0.20, 9: 0.25, 10: 0.30, 11: 0.26}, 0.04, 10),
        # A flat curve: 8 lies within one standard error (0.01) of the best, so the fewest wins.
        ({8: 0.295, 9: 0.29, 10: 0.30, 11: 0.26}, 0.2, 8),
        # Within the error, but only the counts up to it: 9 is the fewest of 9–10 (8 is too low).
        ({8: 0.27, 9: 0.297, 10: 0.30, 11: 0.299}, 0.1, 9),
        # A curve still rising at the end of the range keeps its end when it rises past the error.
        ({28: 0.06, 29: 0.065, 30: 0.07}, 0.02, 30),
    ],
)
def test_the_top_level_count_is_the_fewest_within_one_standard_error_of_the_best(
    means: dict[int, float], spread: float, chosen: int
) -> None:
    assert fewest_within_noise(silhouettes(means, spread=spread)) == chosen


@pytest.mark.parametrize(
    ("current", "chosen"),
    [
        # The codebook's count is within the error of the best: it stays.
        (10, 10),
        (9, 9),
        # Outside the error (or outside the range): the fewest within it, as without a codebook.
        (11, 8),
        (31, 8),
    ],
)
def test_a_rerun_keeps_the_codebooks_top_level_count_where_the_data_cannot_tell_it_from_the_best(
    current: int, chosen: int
) -> None:
    flat = silhouettes({8: 0.295, 9: 0.29, 10: 0.30, 11: 0.26}, spread=0.2)

    assert fewest_within_noise(flat, current=current) == chosen


def test_a_clear_structure_wins_over_the_codebooks_top_level() -> None:
    vectors, truth = groups(12, 125, spread=0.9, seed=3)
    # A codebook of 20 themes made by some other data: 12 clear groups separate far better.
    codebook = groups(20, 1, spread=0.0, seed=11)[0]

    fine, parent = cluster_two_levels(vectors, keys_of(len(vectors)), least=4, codebook=codebook)

    assert len(set(parent.tolist())) == 12
    assert adjusted_rand_score(truth, top_of(fine, parent)) >= 0.9


def test_a_rerun_keeps_the_codebooks_top_level_where_the_data_separates_it_as_well() -> None:
    # The codebook was made on 90% of the texts; a re-run on all of them keeps its top level.
    vectors, _ = groups(12, 125, spread=0.9, seed=3)
    keep = np.sort(np.random.default_rng(0).choice(len(vectors), int(0.9 * len(vectors)), replace=False))
    keys = keys_of(len(vectors))
    fine, parent = cluster_two_levels(vectors[keep], [keys[i] for i in keep], least=4)
    top = top_of(fine, parent)
    codebook = np.stack([vectors[keep][top == t].mean(axis=0) for t in np.unique(top[top >= 0])])
    codebook /= np.linalg.norm(codebook, axis=1, keepdims=True)

    again_fine, again_parent = cluster_two_levels(vectors, keys, least=4, codebook=codebook)

    again = top_of(again_fine, again_parent)
    assert len(set(again_parent.tolist())) == len(codebook)
    assert adjusted_rand_score(top[top >= 0], again[keep][top >= 0]) >= 0.9
