"""Short chat answers read with the shipped sentiment head and the real embedding model."""

from __future__ import annotations

import pytest

from askwhy.analysis.cleaning import clean_for_meaning
from askwhy.analysis.embeddings import DEFAULT_MODEL, SentenceTransformerEmbedder
from askwhy.analysis.sentiment import load_default_sentiment

ANSWERS = [
    # (answer, the labels a person would accept)
    ("it was fine", {"neutral", "positive"}),
    ("anyone there?", {"neutral", "negative"}),
    ("no comment", {"neutral"}),
    ("😡😡", {"negative"}),
    ("10!!!", {"positive", "neutral"}),
    ("meh", {"neutral", "negative"}),
    ("the agent was lovely", {"positive"}),
    ("still waiting for my refund", {"negative"}),
    ("my order arrived two weeks late", {"negative"}),
    ("can I change my seat?", {"neutral"}),
]


@pytest.fixture(scope="module")
def labels() -> dict[str, str]:
    embedder = SentenceTransformerEmbedder(DEFAULT_MODEL)
    texts = [answer for answer, _ in ANSWERS]
    vectors = embedder.encode([clean_for_meaning(t) for t in texts])
    model = load_default_sentiment(vectors.shape[1], embedder=DEFAULT_MODEL)
    assert model is not None
    return {text: s.label for text, s in zip(texts, model.predict(vectors, texts), strict=True)}


@pytest.mark.slow
@pytest.mark.parametrize(("answer", "accepted"), ANSWERS)
def test_a_short_answer_gets_a_label_a_person_would_give(
    labels: dict[str, str], answer: str, accepted: set[str]
) -> None:
    assert labels[answer] in accepted
