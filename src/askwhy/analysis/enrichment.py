"""Enrichment: from a customer's words to redacted sentences with language, sentiment and embeddings.

Pure orchestration of the analysis pieces, in the order privacy needs: personal data is removed
before anything else reads the text. Texts are processed as a batch: every distinct unit (an
answer, a sentence or a clause) of the batch is embedded exactly once, in one call, and scored for
sentiment from that embedding; an answer to a probe is embedded once more with its topic, for coding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from askwhy.analysis.answers import Answer
from askwhy.analysis.cleaning import clean_for_meaning
from askwhy.analysis.embeddings import DEFAULT_MODEL, Embedder, Vectors
from askwhy.analysis.language import UNDETERMINED, detect_language
from askwhy.analysis.redaction import redact
from askwhy.analysis.sentences import idea_units
from askwhy.analysis.sentiment import (
    VaderSentiment,
    load_default_sentiment,
    load_head_without_cues,
    response_sentiment,
)

ENGLISH_CUES = frozenset({"en", UNDETERMINED})
"""Texts whose English-only lexicon cues are read: English, and those too short to tell (mostly
"ok", "thanks", a rating, emoji, which read the same)."""


class SentimentScorer(Protocol):
    """Scores sentences on −1..1 with a label, from their text and their embedding."""

    def score(self, texts: Sequence[str], vectors: Vectors) -> list[tuple[str, float]]: ...


class VectorSentiment:
    """The shipped classifier on sentence embeddings; VADER on the text when none fits the model.

    A multilingual model's English sentences (and those too short to tell) are read by its head
    with the lexicon cues; its sentences detected as another language by its head that reads the
    embedding alone, since the cues are English (`bench/sentiment_multilingual.py` measures both).
    """

    def __init__(self, dimension: int, *, embedder: str | None = None) -> None:
        self._model = load_default_sentiment(dimension, embedder=embedder)
        self._lexicon = VaderSentiment() if self._model is None else None
        # A head on an English-only model reads every text as English (its embedding does too), so
        # only a multilingual head pays for telling the language of each sentence.
        self._multilingual = self._model is not None and self._model.embedder not in ("", DEFAULT_MODEL)
        self._alone = (
            load_head_without_cues(dimension, embedder=embedder) if self._multilingual and embedder else None
        )

    @property
    def name(self) -> str:
        return "vader" if self._model is None else "embedding classifier"

    def score(self, texts: Sequence[str], vectors: Vectors) -> list[tuple[str, float]]:
        if not len(texts):
            return []
        if self._model is not None:
            english = (
                [detect_language(text) in ENGLISH_CUES for text in texts] if self._multilingual else None
            )
            read = self._model.predict(vectors, list(texts), english=english)
            foreign = [i for i, known in enumerate(english or ()) if not known]
            if self._alone is not None and foreign:
                alone = self._alone.predict(np.asarray(vectors)[foreign], [texts[i] for i in foreign])
                for i, sentiment in zip(foreign, alone, strict=True):
                    read[i] = sentiment
            return [(s.label, float(s.score)) for s in read]
        assert self._lexicon is not None
        return [(s.label, float(s.score)) for s in self._lexicon.predict_texts(list(texts))]


@dataclass(frozen=True, eq=False)
class EnrichedSentence:
    position: int
    kind: str
    """"answer" (a conversation's answer, whole), "sentence", or "clause" when a sentence held
    contrasting parts ("fast but rude")."""
    text: str
    sentiment: str
    sentiment_score: float
    vector: Vectors
    """One L2-normalised float32 row."""
    topic: str | None = None
    """The id of the guide theme the answer's question probed, if any."""


@dataclass(frozen=True, eq=False)
class EnrichedText:
    text: str
    """Redacted."""
    pii_found: tuple[str, ...]
    language: str
    sentiment: str
    sentiment_score: float
    sentences: tuple[EnrichedSentence, ...]


class Enricher:
    """Enriches batches of texts with one embedder and one sentiment scorer, both loaded once."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        sentiment: SentimentScorer | None = None,
        model_name: str | None = None,
        default_region: str = "US",
    ) -> None:
        self.embedder = embedder
        self.model_name = model_name or type(embedder).__name__
        self.sentiment = sentiment or VectorSentiment(embedder.dimension, embedder=model_name)
        self.default_region = default_region

    def enrich(self, texts: Sequence[str]) -> list[EnrichedText]:
        """Enrich every free text; identical sentences across the batch are embedded and scored once."""
        redactions = [redact(text, default_region=self.default_region) for text in texts]
        pieces = [[_Piece(kind, unit) for kind, unit in sentence_units(r.text)] for r in redactions]
        return self._enrich([r.text for r in redactions], [_kinds(r.found) for r in redactions], pieces)

    def enrich_answers(self, conversations: Sequence[Sequence[Answer]]) -> list[EnrichedText]:
        """Enrich conversations answer by answer: each answer is a unit (split only where it carries
        several ideas), embedded with the topic its question probed and scored on its own words."""
        texts, found, pieces = [], [], []
        for answers in conversations:
            redactions = [redact(a.text, default_region=self.default_region) for a in answers]
            texts.append("\n".join(r.text for r in redactions))
            found.append(tuple(sorted({kind for r in redactions for kind in _kinds(r.found)})))
            pieces.append(
                [
                    _Piece(kind, unit, answer.context, answer.topic.theme_id if answer.topic else None)
                    for answer, r in zip(answers, redactions, strict=True)
                    for kind, unit in idea_units(r.text, whole="answer")
                ]
            )
        return self._enrich(texts, found, pieces)

    def _enrich(
        self, texts: list[str], found: list[tuple[str, ...]], pieces: list[list[_Piece]]
    ) -> list[EnrichedText]:
        unique = list(dict.fromkeys(p.text for group in pieces for p in group))
        vectors = self._embed_cleaned(unique)
        scores = self.sentiment.score(unique, vectors)
        row = {text: i for i, text in enumerate(unique)}
        read = self._embed_in_context([p for group in pieces for p in group if p.context])
        results = []
        for text, kinds, group in zip(texts, found, pieces, strict=True):
            sentences = tuple(
                EnrichedSentence(
                    position=position,
                    kind=p.kind,
                    text=p.text,
                    sentiment=scores[row[p.text]][0],
                    sentiment_score=scores[row[p.text]][1],
                    vector=read.get((p.context, p.text), vectors[row[p.text]]),
                    topic=p.topic,
                )
                for position, p in enumerate(group)
            )
            label, score = overall_sentiment(sentences)
            results.append(
                EnrichedText(
                    text=text,
                    pii_found=kinds,
                    language=detect_language(text) if text.strip() else "und",
                    sentiment=label,
                    sentiment_score=score,
                    sentences=sentences,
                )
            )
        return results

    def _embed_in_context(self, pieces: list[_Piece]) -> dict[tuple[str, str], Vectors]:
        """Each answer read with its question's topic ("late delivery: two weeks"), for coding;
        sentiment still reads the answer alone, so a topic's tone does not colour it."""
        keys = list(dict.fromkeys((p.context, p.text) for p in pieces))
        if not keys:
            return {}
        vectors = self._embed_cleaned([f"{context}: {text}" for context, text in keys])
        return {key: vectors[i] for i, key in enumerate(keys)}

    def _embed_cleaned(self, texts: list[str]) -> Vectors:
        """Embeddings of the texts as cleaned for meaning (handles, URLs, entities; emoji spelled out)."""
        cleaned = [clean_for_meaning(t) or t for t in texts]
        distinct = list(dict.fromkeys(cleaned))
        if not distinct:
            return np.zeros((0, self.embedder.dimension), np.float32)
        encoded = self.embedder.encode(distinct)
        row = {text: i for i, text in enumerate(distinct)}
        return np.asarray(encoded[[row[t] for t in cleaned]], dtype=np.float32)


def overall_sentiment(sentences: Sequence[EnrichedSentence]) -> tuple[str, float]:
    """A response's sentiment: its sentences' scores averaged by length, and the label of the side
    its judged sentences clearly lean to (`askwhy.analysis.sentiment.response_sentiment`)."""
    read = response_sentiment([(s.sentiment, s.sentiment_score, len(s.text)) for s in sentences])
    return read.label, read.score


def sentence_units(text: str) -> list[tuple[str, str]]:
    """(kind, text) for each idea of a free text: a sentence, or a clause of a sentence with
    contrasting parts; a fragment with no idea of its own stays with its neighbour."""
    return idea_units(text, whole="sentence")


@dataclass(frozen=True)
class _Piece:
    """A unit to enrich, with the topic it is read with."""

    kind: str
    text: str
    context: str = ""
    topic: str | None = None


def _kinds(found: Mapping[str, int]) -> tuple[str, ...]:
    return tuple(sorted(kind for kind, count in found.items() if count))
