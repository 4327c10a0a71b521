"""Theme discovery finds the groups in the data without being told how many there are."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.metrics import adjusted_rand_score

from askwhy.analysis.discovered import DiscoveredTheme, text_key
from askwhy.analysis.discovery import discover_codebook, discover_themes
from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.analysis.theme_ids import theme_id
from askwhy.analysis.theme_matching import KnownTheme, place_themes
from askwhy.analysis.theme_split import split_theme


def blobs(
    sizes: list[int], *, dimension: int = 32, spread: float = 0.15, seed: int = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Well-separated groups of unit vectors around random directions, and each row's group."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), dimension))
    rows = [
        c + rng.normal(scale=spread, size=(n, dimension)) * np.linalg.norm(c) / np.sqrt(dimension)
        for c, n in zip(centres, sizes, strict=True)
    ]
    vectors = np.concatenate(rows)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    truth = np.repeat(np.arange(len(sizes)), sizes)
    return vectors.astype(np.float32), truth


def found_ids(themes: list[DiscoveredTheme], n: int) -> NDArray[np.int64]:
    ids = np.full(n, -1, dtype=np.int64)
    for number, theme in enumerate(themes):
        ids[list(theme.members)] = number
    return ids


def test_finds_planted_groups_without_being_told_how_many() -> None:
    vectors, truth = blobs([60, 45, 40, 30, 25, 20])
    texts = [f"sentence {i}" for i in range(len(truth))]

    themes = discover_themes(texts, vectors)

    assert len(themes) == 6
    assert adjusted_rand_score(truth, found_ids(themes, len(truth))) >= 0.9


def test_finds_planted_groups_when_clustering_a_sample() -> None:
    vectors, truth = blobs([400, 300, 200, 100])
    texts = [f"sentence {i}" for i in range(len(truth))]

    themes = discover_themes(texts, vectors, min_theme_size=10, max_sample=300)

    assert adjusted_rand_score(truth, found_ids(themes, len(truth))) >= 0.9


def test_groups_smaller_than_the_minimum_stay_in_the_unassigned_pool() -> None:
    vectors, truth = blobs([40, 30, 3])
    texts = [f"sentence {i}" for i in range(len(truth))]

    themes = discover_themes(texts, vectors, min_theme_size=5)

    assert [t.size for t in themes] == [40, 30]
    members = {i for t in themes for i in t.members}
    assert members.isdisjoint(np.flatnonzero(truth == 2).tolist())


def test_a_theme_carries_label_quotes_sentiment_and_a_unit_centroid() -> None:
    texts = [f"the parcel delivery was late again d{i}" for i in range(12)] + [
        f"support agent was rude on the phone s{i}" for i in range(8)
    ]
    vectors = HashingEmbedder().encode(texts)
    sentiments = [-0.8] * 12 + [-0.5] * 8

    themes = discover_themes(texts, vectors, sentiments=sentiments)

    delivery = themes[0]
    assert delivery.size == 12 == len(delivery.members)
    assert {"parcel", "delivery", "late"} & set(" ".join(delivery.keywords).split())
    assert delivery.sentiment == pytest.approx(-0.8)
    assert 3 <= len(delivery.quotes) <= 5
    assert set(delivery.quotes) <= set(delivery.members)
    assert np.linalg.norm(delivery.centroid) == pytest.approx(1.0, abs=1e-5)
    assert "12 sentences, mostly negative" in delivery.description


def test_themes_are_sorted_by_size_and_the_same_in_any_row_order() -> None:
    vectors, truth = blobs([20, 50, 35], seed=3)
    texts = [f"sentence {i}" for i in range(len(truth))]
    shuffled = np.random.default_rng(1).permutation(len(texts))

    first = discover_themes(texts, vectors, max_sample=80)
    second = discover_themes([texts[i] for i in shuffled], vectors[shuffled], max_sample=80)

    assert [t.size for t in first] == sorted((t.size for t in first), reverse=True)
    assert [t.id for t in first] == [t.id for t in second]
    assert [sorted(t.members) for t in first] == [sorted(int(shuffled[m]) for m in t.members) for t in second]


def test_too_few_sentences_give_no_theme() -> None:
    vectors, _ = blobs([3])
    assert discover_themes(["a", "b", "c"], vectors, min_theme_size=5) == []
    assert discover_themes([], np.zeros((0, 8), dtype=np.float32)) == []


def test_split_separates_two_subgroups_of_a_theme() -> None:
    vectors, _ = blobs([30, 20], seed=5)

    parts = split_theme(vectors, parts=2)

    assert [len(p) for p in parts] == [30, 20]
    assert sorted(np.concatenate(parts).tolist()) == list(range(50))
    with pytest.raises(ValueError, match="cannot split"):
        split_theme(vectors[:1], parts=2)


PHRASES = [
    "late delivery",
    "rude support agent",
    "wrong size sent",
    "refund never arrived",
    "app keeps crashing",
    "great prices",
]


def coded(sizes: list[int], seed: int = 0) -> tuple[list[str], NDArray[np.float32], NDArray[np.int64]]:
    """Planted groups whose texts share a phrase, as a team's feedback would."""
    vectors, truth = blobs(sizes, seed=seed)
    texts = [f"{PHRASES[g]} with order {i}" for i, g in enumerate(truth)]
    return texts, vectors, truth


def nested_blobs(
    parents: int, children: int, size: int, seed: int = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Groups within groups: each parent direction has `children` tighter groups around it."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for p in range(parents):
        centre = rng.normal(size=32)
        for c in range(children):
            child = centre + rng.normal(scale=0.2, size=32)
            rows.append(child + rng.normal(scale=0.1, size=(size, 32)))
            truth += [p * children + c] * size
    vectors = np.concatenate(rows)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), np.asarray(truth)


def test_discovery_proposes_themes_with_subthemes() -> None:
    vectors, truth = nested_blobs(parents=4, children=3, size=40)
    texts = [f"sentence {i}" for i in range(len(truth))]

    found = discover_codebook(texts, vectors)

    assert len(found.themes) == 4
    assert adjusted_rand_score(truth // 3, found_ids(found.themes, len(truth))) >= 0.9
    subthemes = [s for t in found.themes for s in t.subthemes]
    assert adjusted_rand_score(truth, found_ids(subthemes, len(truth))) >= 0.8
    for theme in found.themes:
        assert set().union(*(set(s.members) for s in theme.subthemes)) <= set(theme.members)


def test_content_free_fragments_go_to_a_visible_bucket_not_a_theme() -> None:
    texts, vectors, _ = coded([40, 30, 30])
    empty = ["thanks!", "@AcmeSupport", "ok", "hi there", "👍"]
    found = discover_codebook(texts + empty, np.vstack([vectors, vectors[:5]]), brand_terms=["Acme"])

    assert set(found.no_content) == set(range(100, 105))
    assert not {m for t in found.themes for m in t.members} & set(found.no_content)


def test_labels_come_from_the_texts_and_ids_from_the_words_that_set_a_theme_apart() -> None:
    texts, vectors, _ = coded([50, 40, 30])
    found = discover_codebook(texts, vectors)

    assert sorted(t.label for t in found.themes) == sorted(PHRASES[:3])
    # Every text of a theme shares its phrase's words: the first in alphabetical order names it.
    assert [t.id for t in found.themes] == [theme_id(min(t.label.split())) for t in found.themes]


def test_a_ninety_percent_subsample_keeps_the_themes() -> None:
    texts, vectors, _ = coded([90, 80, 70, 60, 50, 40], seed=2)
    keep = np.sort(np.random.default_rng(0).choice(len(texts), int(0.9 * len(texts)), replace=False))

    full = discover_codebook(texts, vectors)
    part = discover_codebook([texts[i] for i in keep], vectors[keep])

    ids = {t.id for t in part.themes}
    assert len(full.themes) == 6
    assert np.mean([t.id in ids for t in full.themes]) >= 0.9


def test_discovery_again_with_ten_percent_more_finds_the_earlier_themes_and_proposes_none() -> None:
    texts, vectors, _ = coded([90, 80, 70, 60, 50, 40], seed=2)
    keep = np.sort(np.random.default_rng(0).choice(len(texts), int(0.9 * len(texts)), replace=False))
    first = discover_codebook([texts[i] for i in keep], vectors[keep])
    known = [
        KnownTheme(t.id, t.label, t.centroid, frozenset(text_key(texts[keep[m]]) for m in t.members))
        for t in first.themes
    ]

    placed = place_themes(discover_codebook(texts, vectors).themes, texts, known)

    again = {p.known for p in placed}
    assert np.mean([t.id in again for t in first.themes]) >= 0.9
    assert all(p.known is not None for p in placed)


def test_a_new_group_in_the_added_data_is_proposed_beside_the_earlier_themes() -> None:
    texts, vectors, truth = coded([90, 80, 70, 60], seed=3)
    old = np.flatnonzero(truth < 3)
    first = discover_codebook([texts[i] for i in old], vectors[old])
    known = [
        KnownTheme(t.id, t.label, t.centroid, frozenset(text_key(texts[old[m]]) for m in t.members))
        for t in first.themes
    ]

    placed = place_themes(discover_codebook(texts, vectors).themes, texts, known)

    assert {p.known for p in placed if p.known} == {t.id for t in first.themes}
    new = [p for p in placed if p.known is None]
    assert len(new) == 1
    members = list(new[0].discovered.members)
    assert np.mean(truth[members] == 3) >= 0.9
    assert np.sum(truth[members] == 3) >= 0.9 * np.sum(truth == 3)
