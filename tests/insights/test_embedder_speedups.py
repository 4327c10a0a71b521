"""The sentence-transformers adapter's speed-ups keep every vector with its own text."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from askwhy.analysis.embeddings import SentenceTransformerEmbedder


class FakeModel:
    max_seq_length = 256

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def get_embedding_dimension(self) -> int:
        return 3

    def encode(self, texts: list[str], **options: Any) -> np.ndarray:
        self.seen.append(list(texts))
        rows = np.array([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32)
        normalised: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        return normalised


def embedder(cache_size: int = 100) -> tuple[SentenceTransformerEmbedder, FakeModel]:
    built = object.__new__(SentenceTransformerEmbedder)
    model = FakeModel()
    built.name, built.batch_size, built._model = "fake", 64, model
    built._cache, built._cache_size = OrderedDict(), cache_size
    return built, model


def test_duplicates_are_encoded_once_shortest_first_and_rows_keep_their_order() -> None:
    subject, model = embedder()
    texts = ["a much longer sentence", "short", "a much longer sentence", "mid length"]
    vectors = subject.encode(texts)
    assert model.seen == [["short", "mid length", "a much longer sentence"]]
    reference = FakeModel().encode(texts)
    assert np.allclose(vectors, reference)


def test_the_model_sees_the_same_batches_for_the_same_texts_in_any_order() -> None:
    texts = ["ccc", "bb", "aaa", "ab", "a much longer sentence"]
    seen = []
    for ordering in (texts, texts[::-1], sorted(texts)):
        subject, model = embedder()
        vectors = subject.encode(ordering)
        assert np.allclose(vectors, FakeModel().encode(ordering))
        seen.append(model.seen)
    assert seen == [[["ab", "bb", "aaa", "ccc", "a much longer sentence"]]] * 3


def test_recent_texts_come_from_the_cache() -> None:
    subject, model = embedder(cache_size=2)
    subject.encode(["one", "two"])
    subject.encode(["two", "three"])
    assert model.seen[-1] == ["three"]
    subject.encode(["one"])
    assert model.seen[-1] == ["one"]
