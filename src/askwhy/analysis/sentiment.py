"""Sentiment of a sentence or a response: a small classifier on sentence embeddings, and VADER.

The shipped classifier is a multinomial logistic regression trained on all-MiniLM-L6-v2
embeddings of several domains, stacked with word-level cues read from the text itself
(`askwhy.analysis.sentiment_features`: VADER's scores, emoji, waiting and no-opinion cues), so it
holds on short chat answers an embedding alone misreads (see `bench/train_sentiment.py`). A second
head, on multilingual-e5-small embeddings of the same English domains (`artifact_for`, trained by
`bench/sentiment_multilingual.py`), reads other languages: the English-only cues (VADER is an
English lexicon) are read only for text not detected as another language, and such text gets a
head on the embedding alone that also learnt from Spanish words (positive, negative, and function
words as neutral). Heads are stored as plain arrays, so loading one needs numpy only. VADER, a
word lexicon, is the fallback when no head was trained on the configured embedder, and the
baseline a head must beat.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from askwhy.analysis.sentiment_features import FEATURES, direct_answer, lexicon_features

SentimentLabel = Literal["negative", "neutral", "positive"]
LABELS: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")
MODELS = Path(__file__).resolve().parent / "models"
DEFAULT_ARTIFACT = MODELS / "sentiment-all-MiniLM-L6-v2.npz"
VADER_THRESHOLD = 0.05
CLEAR_LEAN = 2.0
"""A response leans one way when its sentences of that sentiment are at least twice as long (in
characters) as those of the other; set once from that reading, not fitted to any data set."""

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Sentiment:
    """A label and a score in [-1, 1]: P(positive) - P(negative), or VADER's compound score."""

    label: SentimentLabel
    score: float


class SentimentModel:
    """A linear softmax classifier over embeddings, and over the text's lexicon cues if it has any.

    ``coef`` is (classes, dimension + len(features)): the embedding's columns first, then one per
    name in ``features`` (the order of `askwhy.analysis.sentiment_features.FEATURES`). A model with
    no features reads the embedding alone.
    """

    def __init__(
        self,
        *,
        coef: npt.ArrayLike,
        intercept: npt.ArrayLike,
        classes: Sequence[str],
        embedder: str = "",
        features: Sequence[str] = (),
    ) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32).reshape(-1)
        unknown = set(classes) - set(LABELS)
        if unknown or len(set(classes)) != len(classes):
            raise ValueError(f"sentiment classes must be distinct and among {LABELS}, got {list(classes)}")
        if self.coef.ndim != 2 or self.coef.shape[0] != len(classes) or len(self.intercept) != len(classes):
            shapes = f"coef {self.coef.shape} and intercept {self.intercept.shape}"
            raise ValueError(f"{shapes} do not fit {len(classes)} classes")
        if tuple(features) not in {(), FEATURES} or (features and self.coef.shape[1] <= len(features)):
            raise ValueError(f"sentiment features must be none or {FEATURES}, got {list(features)}")
        self.classes: tuple[SentimentLabel, ...] = tuple(cast(SentimentLabel, name) for name in classes)
        self.embedder = embedder
        self.features: tuple[str, ...] = tuple(features)
        self._negative = self.classes.index("negative") if "negative" in self.classes else None
        self._positive = self.classes.index("positive") if "positive" in self.classes else None

    @property
    def dimension(self) -> int:
        """The size of the embeddings it reads (lexicon features not counted)."""
        return int(self.coef.shape[1]) - len(self.features)

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        """Read an artifact written by `save` (a compressed .npz; no pickle involved)."""
        with np.load(path, allow_pickle=False) as stored:
            return cls(
                coef=stored["coef"],
                intercept=stored["intercept"],
                classes=[str(name) for name in stored["classes"]],
                embedder=str(stored["embedder"]) if "embedder" in stored.files else "",
                features=[str(name) for name in stored["features"]] if "features" in stored.files else (),
            )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            coef=self.coef,
            intercept=self.intercept,
            classes=np.asarray(self.classes),
            embedder=np.asarray(self.embedder),
            features=np.asarray(self.features, dtype=str),
        )

    def probabilities(
        self,
        vectors: FloatArray,
        texts: Sequence[str] | None = None,
        *,
        english: Sequence[bool] | None = None,
    ) -> FloatArray:
        """Class probabilities, one row per vector, columns in the order of `classes`.

        `texts` (the sentences the vectors embed, as written) is required when the model reads
        lexicon features, and ignored otherwise; where `english` is False, the English-only cues
        are not read (`askwhy.analysis.sentiment_features.ENGLISH_ONLY`).
        """
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != self.dimension:
            raise ValueError(f"expected vectors of shape (n, {self.dimension}), got {matrix.shape}")
        if self.features:
            if texts is None or len(texts) != len(matrix):
                got = "no texts" if texts is None else f"{len(texts)} texts"
                raise ValueError(f"texts: this model reads the text too; expected {len(matrix)}, got {got}")
            matrix = np.hstack([matrix, lexicon_features(texts, english=english)])
        logits = matrix @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return cast(FloatArray, exp / exp.sum(axis=1, keepdims=True))

    def predict(
        self,
        vectors: FloatArray,
        texts: Sequence[str] | None = None,
        *,
        english: Sequence[bool] | None = None,
    ) -> list[Sentiment]:
        """One sentiment per row of `vectors` (embeddings from the model the classifier knows) and
        per text in `texts` (required when the model reads lexicon features; `english` as in
        `probabilities`). Given the texts, an answer that states its sentiment outright (a bare
        rating, "no comment") keeps it."""
        probabilities = self.probabilities(vectors, texts, english=english)
        positive = probabilities[:, self._positive] if self._positive is not None else 0.0
        negative = probabilities[:, self._negative] if self._negative is not None else 0.0
        scores = np.clip(np.zeros(len(probabilities)) + positive - negative, -1.0, 1.0)
        winners = probabilities.argmax(axis=1)
        read = [
            Sentiment(self.classes[int(winner)], float(score))
            for winner, score in zip(winners, scores, strict=True)
        ]
        return (
            read
            if texts is None
            else [_stated(text, sentiment) for text, sentiment in zip(texts, read, strict=True)]
        )


def response_sentiment(parts: Sequence[tuple[str, float, int]]) -> Sentiment:
    """A response's sentiment from its sentences' (label, score, length).

    The score is the length-weighted mean of the sentences' scores. The label follows the judged
    sentences (positive or negative; neutral ones are filler here, "I ordered the blue one"): the
    side that carries at least `CLEAR_LEAN` times the other's length wins, and a response whose
    judgements pull both ways about equally ("fast delivery but rude support") is neutral, as is
    one with no judged sentence. So a one-sentence answer keeps the head's calibrated label.
    """
    if not parts:
        return Sentiment("neutral", 0.0)
    weights = np.array([max(length, 1) for _, _, length in parts], dtype=np.float64)
    score = float(np.average([s for _, s, _ in parts], weights=weights))
    positive = sum(w for (label, _, _), w in zip(parts, weights, strict=True) if label == "positive")
    negative = sum(w for (label, _, _), w in zip(parts, weights, strict=True) if label == "negative")
    if positive > 0 and positive >= CLEAR_LEAN * negative:
        return Sentiment("positive", score)
    if negative > 0 and negative >= CLEAR_LEAN * positive:
        return Sentiment("negative", score)
    return Sentiment("neutral", score)


def _stated(text: str, read: Sentiment) -> Sentiment:
    """What the answer states outright (a bare rating, "no comment") over what the head read."""
    stated = direct_answer(text)
    return read if stated is None else Sentiment(cast(SentimentLabel, stated[0]), stated[1])


def load_default_sentiment(dimension: int, *, embedder: str | None = None) -> SentimentModel | None:
    """The shipped classifier for `embedder` (the default model's when None), or None when none
    can read this embedder's vectors.

    None when no head was shipped for `embedder`, when the head's dimension differs from
    `dimension`, or when it was trained on another model; the caller then falls back to VADER.
    """
    shipped = artifact_for(embedder) if embedder is not None else DEFAULT_ARTIFACT
    model = _shipped_model(shipped if shipped.exists() else DEFAULT_ARTIFACT)
    if model is None or model.dimension != dimension:
        return None
    if embedder is not None and model.embedder and embedder != model.embedder:
        return None
    return model


@functools.cache
def _shipped_model(path: Path) -> SentimentModel | None:
    if not path.exists():
        return None
    return SentimentModel.load(path)


class VaderSentiment:
    """VADER's lexicon and rules: compound >= 0.05 positive, <= -0.05 negative, neutral between."""

    def __init__(self, threshold: float = VADER_THRESHOLD) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.threshold = threshold
        self._analyzer: Any = SentimentIntensityAnalyzer()

    def predict_texts(self, texts: Sequence[str]) -> list[Sentiment]:
        """One sentiment per text."""
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> Sentiment:
        compound = float(self._analyzer.polarity_scores(text)["compound"])
        if compound >= self.threshold:
            return Sentiment("positive", compound)
        if compound <= -self.threshold:
            return Sentiment("negative", compound)
        return Sentiment("neutral", compound)


def artifact_for(embedder: str, *, cues: bool = True) -> Path:
    """Where the head trained on `embedder`'s embeddings is shipped; with ``cues=False``, the
    multilingual model's head that reads the embedding alone (for text not in English)."""
    return MODELS / (f"sentiment-{embedder}.npz" if cues else f"sentiment-{embedder}-embedding-alone.npz")


def load_head_without_cues(dimension: int, *, embedder: str) -> SentimentModel | None:
    """The head that reads `embedder`'s vectors alone, if one was shipped (None otherwise)."""
    model = _shipped_model(artifact_for(embedder, cues=False))
    if model is None or model.dimension != dimension or model.features or model.embedder != embedder:
        return None
    return model
