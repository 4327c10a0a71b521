"""Theme assignment is multi-label: a sentence counts for every theme it speaks of, or for none."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from askwhy.analysis.assignment import assign_themes, assignment_f1, calibrate_threshold
from askwhy.analysis.embeddings import HashingEmbedder

EMBEDDER = HashingEmbedder()
EXAMPLES = {
    "delivery": ["fast delivery", "the delivery was fast", "delivery arrived fast", "quick fast delivery"],
    "support": ["rude support", "support staff were rude", "the support agent was rude", "rude support team"],
}


def centroids() -> dict[str, NDArray[np.float32]]:
    return {name: EMBEDDER.encode(texts).mean(axis=0) for name, texts in EXAMPLES.items()}


def test_a_two_topic_sentence_counts_for_both_themes() -> None:
    [themes] = assign_themes(EMBEDDER.encode(["fast delivery but rude support"]), centroids())

    assert {name for name, _ in themes} == {"delivery", "support"}


def test_a_one_topic_sentence_counts_for_its_theme_only() -> None:
    [themes] = assign_themes(EMBEDDER.encode(["the delivery was really fast"]), centroids())

    assert [name for name, _ in themes] == ["delivery"]
    assert 0.5 <= themes[0][1] <= 1.0


def test_an_off_topic_sentence_stays_unassigned() -> None:
    assert assign_themes(EMBEDDER.encode(["I like turtles and mountains"]), centroids()) == [[]]


def test_a_theme_within_the_margin_of_the_best_is_kept_and_one_far_behind_is_not() -> None:
    vectors = np.array([[1.0, 0.0]], dtype=np.float32)
    at = {"a": np.array([1.0, 0.0], dtype=np.float32)}
    near = {**at, "b": np.array([0.9, np.sqrt(1 - 0.81)], dtype=np.float32)}
    far = {**at, "b": np.array([0.6, 0.8], dtype=np.float32)}

    assert [n for n, _ in assign_themes(vectors, near, margin=0.15)[0]] == ["a", "b"]
    assert [n for n, _ in assign_themes(vectors, far, margin=0.15)[0]] == ["a"]
    assert [n for n, _ in assign_themes(vectors, far, margin=0.15, strong=0.55)[0]] == ["a", "b"]
    assert assign_themes(vectors, near, margin=0.15, max_themes=1)[0] == [("a", 1.0)]


def test_no_codebook_means_every_sentence_is_unassigned() -> None:
    assert assign_themes(EMBEDDER.encode(["anything", "at all"]), {}) == [[], []]


def test_calibration_picks_a_threshold_that_separates_on_and_off_topic() -> None:
    texts = ["delivery was fast", "fast delivery again", "support was rude", "rude support", "I like turtles"]
    labels = ["delivery", "delivery", "support", "support", None]

    threshold, f1 = calibrate_threshold(EMBEDDER.encode(texts), labels, centroids())

    assert f1 == pytest.approx(1.0)
    assigned = assign_themes(EMBEDDER.encode(texts), centroids(), threshold=threshold)
    assert assignment_f1(assigned, labels) == pytest.approx(1.0)
    assert assigned[-1] == []


def test_calibration_scores_thresholds_with_the_strong_level_of_the_model_it_calibrates() -> None:
    # Two themes whose centres sit close together, as every pair does on a model like
    # multilingual-e5-small: at the default strong level (0.8) every sentence counts for both.
    centroids = {"a": np.array([1.0, 0.0], dtype=np.float32), "b": np.array([0.9, 0.436], dtype=np.float32)}
    vectors = np.array([[1.0, 0.0], [0.9, 0.436]], dtype=np.float32)
    labels: list[str | None] = ["a", "b"]
    _, with_default_strong = calibrate_threshold(vectors, labels, centroids, margin=0.0, candidates=[0.85])
    _, with_model_strong = calibrate_threshold(
        vectors, labels, centroids, margin=0.0, candidates=[0.85], strong=0.99
    )
    assert with_default_strong == pytest.approx(2 * 2 / (4 + 2))
    assert with_model_strong == pytest.approx(1.0)
