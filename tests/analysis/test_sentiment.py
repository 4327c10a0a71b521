"""Sentiment: the numpy classifier over embeddings, its shipped artifact, and the VADER fallback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from askwhy.analysis.sentiment import (
    DEFAULT_ARTIFACT,
    LABELS,
    Sentiment,
    SentimentModel,
    VaderSentiment,
    load_default_sentiment,
    response_sentiment,
)
from askwhy.analysis.sentiment_features import FEATURES


def tiny_model() -> SentimentModel:
    """Dimension 0 pulls negative, dimension 2 positive, dimension 1 neutral."""
    return SentimentModel(
        coef=np.eye(3, 4, dtype=np.float32) * 6.0,
        intercept=np.zeros(3, dtype=np.float32),
        classes=["negative", "neutral", "positive"],
        embedder="tiny",
    )


def test_predict_gives_one_labelled_score_per_row() -> None:
    vectors = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=np.float32)
    predictions = tiny_model().predict(vectors)
    assert [p.label for p in predictions] == ["negative", "neutral", "positive", "negative"]
    assert predictions[0].score < -0.9
    assert abs(predictions[1].score) < 1e-6
    assert predictions[2].score > 0.9
    assert all(-1.0 <= p.score <= 1.0 for p in predictions)
    assert all(isinstance(p.score, float) for p in predictions)


def test_score_is_positive_minus_negative_probability() -> None:
    model = tiny_model()
    vectors = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    probabilities = model.probabilities(vectors)
    assert probabilities.shape == (50, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    scores = [p.score for p in model.predict(vectors)]
    np.testing.assert_allclose(scores, probabilities[:, 2] - probabilities[:, 0], atol=1e-6)


def test_class_order_of_the_artifact_is_respected() -> None:
    model = SentimentModel(
        coef=np.eye(3, 2, dtype=np.float32) * 5,
        intercept=[0, 0, -5],
        classes=["positive", "negative", "neutral"],
    )
    positive, negative = model.predict(np.array([[1, 0], [0, 1]], dtype=np.float32))
    assert positive == Sentiment("positive", pytest.approx(positive.score))
    assert positive.score > 0.9
    assert negative.label == "negative"
    assert negative.score < -0.9


def test_empty_input_gives_empty_output() -> None:
    assert tiny_model().predict(np.zeros((0, 4), dtype=np.float32)) == []


def test_extreme_logits_do_not_overflow() -> None:
    (prediction,) = tiny_model().predict(np.array([[1e4, 0, 0, 0]], dtype=np.float32))
    assert prediction == Sentiment("negative", -1.0)


def test_wrong_vector_size_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"\(n, 4\)"):
        tiny_model().predict(np.zeros((2, 5), dtype=np.float32))


@pytest.mark.parametrize("classes", [["negative", "neutral", "happy"], ["negative", "negative", "positive"]])
def test_unknown_or_repeated_classes_are_refused(classes: list[str]) -> None:
    with pytest.raises(ValueError, match="classes"):
        SentimentModel(coef=np.zeros((3, 2)), intercept=np.zeros(3), classes=classes)


def test_artifact_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "models" / "tiny.npz"
    tiny_model().save(path)
    loaded = SentimentModel.load(path)
    assert loaded.classes == LABELS
    assert loaded.dimension == 4
    assert loaded.embedder == "tiny"
    vectors = np.eye(4, dtype=np.float32)
    assert loaded.predict(vectors) == tiny_model().predict(vectors)


def cue_model() -> SentimentModel:
    """Two embedding dimensions that mean nothing; VADER's compound alone decides."""
    coef = np.zeros((3, 2 + len(FEATURES)), dtype=np.float32)
    compound = 2 + FEATURES.index("vader_compound")
    coef[0, compound], coef[2, compound] = -8.0, 8.0
    return SentimentModel(coef=coef, intercept=[0, 1, 0], classes=LABELS, embedder="tiny", features=FEATURES)


def test_a_model_with_lexicon_cues_reads_the_texts() -> None:
    model = cue_model()
    assert model.dimension == 2
    vectors = np.zeros((3, 2), dtype=np.float32)
    labels = [s.label for s in model.predict(vectors, ["I love it", "The parcel came", "Awful, broken"])]
    assert labels == ["positive", "neutral", "negative"]


@pytest.mark.parametrize("texts", [None, ["only one"]])
def test_a_model_with_lexicon_cues_refuses_missing_texts(texts: list[str] | None) -> None:
    with pytest.raises(ValueError, match="texts"):
        cue_model().predict(np.zeros((2, 2), dtype=np.float32), texts)


def test_features_must_be_the_known_cues() -> None:
    with pytest.raises(ValueError, match="features"):
        SentimentModel(coef=np.zeros((3, 4)), intercept=np.zeros(3), classes=LABELS, features=["shouting"])


def test_artifact_round_trip_keeps_the_cues(tmp_path: Path) -> None:
    path = tmp_path / "cues.npz"
    cue_model().save(path)
    loaded = SentimentModel.load(path)
    assert loaded.features == FEATURES
    texts = ["great", "bad"]
    assert loaded.predict(np.zeros((2, 2), dtype=np.float32), texts) == cue_model().predict(
        np.zeros((2, 2), dtype=np.float32), texts
    )


def test_shipped_artifact_is_small_and_for_minilm() -> None:
    assert DEFAULT_ARTIFACT.exists()
    assert DEFAULT_ARTIFACT.stat().st_size < 64_000
    model = SentimentModel.load(DEFAULT_ARTIFACT)
    assert model.dimension == 384
    assert model.embedder == "all-MiniLM-L6-v2"
    assert set(model.classes) == set(LABELS)
    assert model.features == FEATURES


def test_default_model_only_for_a_matching_embedder() -> None:
    assert load_default_sentiment(256) is None
    assert load_default_sentiment(384, embedder="some-other-384-model") is None
    model = load_default_sentiment(384, embedder="all-MiniLM-L6-v2")
    assert model is not None
    assert load_default_sentiment(384) is model


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love it, great quality!", "positive"),
        ("Terrible service, the parcel arrived broken.", "negative"),
        ("The parcel came on Tuesday.", "neutral"),
        ("", "neutral"),
    ],
)
def test_vader_fallback(text: str, label: str) -> None:
    (sentiment,) = VaderSentiment().predict_texts([text])
    assert sentiment.label == label
    assert -1.0 <= sentiment.score <= 1.0


def test_vader_thresholds_at_five_hundredths() -> None:
    vader = VaderSentiment()
    assert vader.threshold == 0.05
    assert vader.predict_texts([]) == []
    scored = vader.predict_texts(["ok", "good", "bad"])
    assert [s.label for s in scored] == ["positive", "positive", "negative"]


@pytest.mark.slow
def test_shipped_model_loads_and_reads_the_three_classes_with_the_real_embedder() -> None:
    from askwhy.analysis.embeddings import DEFAULT_MODEL, SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(DEFAULT_MODEL)
    texts = [
        "The parcel arrived two weeks late and support never answered",
        "I would like to change the delivery address on my order",
        "Lovely fit, great quality, I will buy again",
    ]
    vectors = embedder.encode(texts)
    model = load_default_sentiment(vectors.shape[1], embedder=DEFAULT_MODEL)
    assert model is not None
    negative, neutral, positive = model.predict(vectors, texts)
    assert negative.label == "negative"
    assert negative.score < 0
    assert neutral.label == "neutral"
    assert positive.label == "positive"
    assert positive.score > 0


def test_an_answer_that_states_its_sentiment_keeps_it() -> None:
    model = cue_model()
    texts = ["no comment", "10!!!", "awful"]
    vectors = np.zeros((3, 2), dtype=np.float32)
    head_alone = [LABELS[int(i)] for i in model.probabilities(vectors, texts).argmax(axis=1)]
    assert head_alone == ["negative", "neutral", "negative"]
    read = model.predict(vectors, texts)
    assert [s.label for s in read] == ["neutral", "positive", "negative"]
    assert read[1].score == 1.0


def test_a_one_sentence_response_keeps_the_heads_label() -> None:
    read = response_sentiment([("neutral", -0.3, 20)])
    assert read.label == "neutral"
    assert read.score == pytest.approx(-0.3)
    assert response_sentiment([("positive", 0.1, 5)]).label == "positive"


def test_neutral_sentences_do_not_dilute_a_judgement() -> None:
    read = response_sentiment([("neutral", 0.0, 40), ("negative", -0.8, 15)])
    assert read.label == "negative"
    assert read.score == pytest.approx(-0.8 * 15 / 55)


def test_a_response_that_pulls_both_ways_alike_is_neutral_and_a_clear_lean_wins() -> None:
    assert response_sentiment([("positive", 0.9, 20), ("negative", -0.9, 20)]).label == "neutral"
    assert response_sentiment([("positive", 0.9, 40), ("negative", -0.9, 20)]).label == "positive"
    assert response_sentiment([("positive", 0.9, 10), ("negative", -0.9, 30)]).label == "negative"
    assert response_sentiment([]) == Sentiment("neutral", 0.0)
