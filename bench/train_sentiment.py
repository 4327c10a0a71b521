"""Train the shipped sentiment classifier on all-MiniLM-L6-v2 embeddings of real clothing reviews.

    .venv/bin/python -m bench.train_sentiment

Labels come from the star rating (1–2 negative, 3 neutral, 4–5 positive); the text is the title and
the review. A fixed, seeded, stratified 80/20 split keeps a fifth of the reviews out of training
for `bench.sentiment_quality`. Training may also use each training review's sentences (a sentence
inherits its review's label) so short chat answers are scored well; the variant, its weight and the
regularisation are chosen on a validation slice of the training reviews only, never on the
held-out fifth. Embeddings are cached in bench/.cache/, so only the first run is slow.
"""

from __future__ import annotations

import csv
import hashlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from askwhy.analysis.embeddings import DEFAULT_MODEL, SentenceTransformerEmbedder
from askwhy.analysis.sentences import split_sentences
from askwhy.analysis.sentiment import DEFAULT_ARTIFACT, LABELS, SentimentModel
from bench.common import CACHE, DATA

REVIEWS = DATA / "womens-clothing-reviews.csv"
SEED = 0
HELD_OUT = 0.2
CHUNK = 2048
MIN_SENTENCE_WORDS = 3
MAX_SENTENCES = 50_000
GRID_C = (0.25, 1.0, 4.0)
GRID_SENTENCE_WEIGHT = (0.0, 0.3, 1.0)
OFFSETS = np.round(np.arange(-1.5, 1.51, 0.1), 2)


@dataclass(frozen=True)
class Reviews:
    texts: list[str]
    labels: npt.NDArray[np.int64]
    """Index into LABELS: 0 negative, 1 neutral, 2 positive."""
    titles: list[str]
    """The title alone ("" when there is none): a short text, like a chat answer."""


@dataclass(frozen=True)
class Split:
    train: npt.NDArray[np.int64]
    test: npt.NDArray[np.int64]


def rating_label(rating: int) -> int:
    return 0 if rating <= 2 else 1 if rating == 3 else 2


def load_reviews(path: Path = REVIEWS) -> Reviews:
    """Every review with text, as "Title. Review Text", with its three-way label."""
    texts: list[str] = []
    labels: list[int] = []
    titles: list[str] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            body = (row["Review Text"] or "").strip()
            if not body:
                continue
            title = (row["Title"] or "").strip()
            texts.append(f"{title}. {body}" if title else body)
            titles.append(title)
            labels.append(rating_label(int(row["Rating"])))
    return Reviews(texts, np.asarray(labels, dtype=np.int64), titles)


def split(reviews: Reviews) -> Split:
    """The fixed 80/20 split, stratified by label, seeded."""
    train, test = train_test_split(
        np.arange(len(reviews.texts)), test_size=HELD_OUT, stratify=reviews.labels, random_state=SEED
    )
    return Split(np.sort(train), np.sort(test))


def embed_cached(texts: Sequence[str], *, what: str, model: str = DEFAULT_MODEL) -> npt.NDArray[np.float32]:
    """Embeddings of `texts`, read from a store in bench/.cache/; only texts new to it are embedded.

    The store is keyed by each text's hash, so changing how reviews are cut into sentences only
    costs the sentences that changed.
    """
    path = CACHE / f"sentiment-{what}-{re.sub(r'[^A-Za-z0-9.-]+', '_', model)}.npz"
    keys = [hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest() for text in texts]
    known: dict[str, int] = {}
    stored = np.zeros((0, 0), dtype=np.float32)
    if path.exists():
        with np.load(path, allow_pickle=False) as store:
            known = {str(key): row for row, key in enumerate(store["keys"])}
            stored = store["vectors"]
    missing = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in known}.items())
    if missing:
        fresh = _embed_with_progress([text for _, text in missing], what=what, model=model)
        stored = fresh if stored.size == 0 else np.vstack([stored, fresh])
        for key, _ in missing:
            known[key] = len(known)
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp.npz")
        np.savez(partial, keys=np.asarray(list(known)), vectors=stored)
        partial.replace(path)
    return np.asarray(stored[[known[key] for key in keys]], dtype=np.float32)


def _embed_with_progress(texts: Sequence[str], *, what: str, model: str) -> npt.NDArray[np.float32]:
    embedder = SentenceTransformerEmbedder(model)
    order = np.argsort([len(text) for text in texts], kind="stable")
    vectors = np.zeros((len(texts), 0), dtype=np.float32)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns) as progress:
        task = progress.add_task(f"embedding {what}", total=len(texts))
        for start in range(0, len(texts), CHUNK):
            rows = order[start : start + CHUNK]
            encoded = embedder.encode([texts[row] for row in rows])
            if vectors.shape[1] == 0:
                vectors = np.zeros((len(texts), encoded.shape[1]), dtype=np.float32)
            vectors[rows] = encoded
            progress.advance(task, len(rows))
    return vectors


def review_sentences(reviews: Reviews, rows: npt.NDArray[np.int64]) -> tuple[list[str], list[int]]:
    """A seeded sample of the sentences (three words or more) of the given reviews, with their review.

    Sampled to MAX_SENTENCES to bound the one-off embedding time on a small machine.
    """
    texts: list[str] = []
    owners: list[int] = []
    for row in rows:
        pieces = split_sentences(reviews.texts[row])
        if len(pieces) < 2:
            continue
        for sentence in pieces:
            if len(sentence.split()) >= MIN_SENTENCE_WORDS:
                texts.append(sentence)
                owners.append(int(row))
    if len(texts) > MAX_SENTENCES:
        keep = np.sort(np.random.default_rng(SEED).choice(len(texts), MAX_SENTENCES, replace=False))
        texts, owners = [texts[i] for i in keep], [owners[i] for i in keep]
    return texts, owners


@dataclass(frozen=True)
class TrainingSet:
    review_vectors: npt.NDArray[np.float32]
    sentence_vectors: npt.NDArray[np.float32]
    sentence_owner: npt.NDArray[np.int64]
    labels: npt.NDArray[np.int64]


def fit(
    data: TrainingSet, rows: npt.NDArray[np.int64], *, c: float, sentence_weight: float
) -> LogisticRegression:
    """A balanced multinomial logistic regression on the reviews `rows` (and their sentences)."""
    x = data.review_vectors[rows]
    y = data.labels[rows]
    weights = np.ones(len(rows))
    if sentence_weight > 0:
        mine = np.isin(data.sentence_owner, rows)
        x = np.vstack([x, data.sentence_vectors[mine]])
        y = np.concatenate([y, data.labels[data.sentence_owner[mine]]])
        weights = np.concatenate([weights, np.full(int(mine.sum()), sentence_weight)])
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit(x, y, sample_weight=weights)
    return model


def macro_f1(truth: npt.NDArray[np.int64], guess: npt.NDArray[np.int64]) -> float:
    """Mean F1 over the three classes (numpy only: it runs thousands of times while tuning)."""
    counts = np.bincount(truth * 3 + guess, minlength=9).reshape(3, 3)
    hits = np.diag(counts).astype(np.float64)
    denominator = counts.sum(axis=0) + counts.sum(axis=1)
    return float(np.mean(np.divide(2 * hits, denominator, out=np.zeros(3), where=denominator > 0)))


def logits(model: LogisticRegression, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    return np.asarray(x @ model.coef_.T + model.intercept_, dtype=np.float64)


def tune_offsets(scores: npt.NDArray[np.float64], truth: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Per-class additions to the intercept that maximise macro-F1 on a validation slice.

    Balanced class weights already favour the rare classes; this adjusts the neutral and positive
    boundaries (negative stays the reference) on a coarse grid.
    """
    best = (macro_f1(truth, scores.argmax(axis=1)), 0.0, 0.0)
    for neutral in OFFSETS:
        for positive in OFFSETS:
            guess = (scores + np.array([0.0, neutral, positive])).argmax(axis=1)
            best = max(best, (macro_f1(truth, guess), float(neutral), float(positive)))
    return np.array([0.0, best[1], best[2]])


@dataclass(frozen=True)
class Choice:
    c: float
    sentence_weight: float
    offsets: npt.NDArray[np.float64]
    validation_f1: float


def choose(data: TrainingSet, train: npt.NDArray[np.int64]) -> Choice:
    """Regularisation, sentence weight and class offsets, by macro-F1 on a validation slice of `train`."""
    fitting, validation = train_test_split(
        train, test_size=HELD_OUT, stratify=data.labels[train], random_state=SEED + 1
    )
    truth = data.labels[validation]
    best: Choice | None = None
    for weight in GRID_SENTENCE_WEIGHT:
        for c in GRID_C:
            model = fit(data, fitting, c=c, sentence_weight=weight)
            scores = logits(model, data.review_vectors[validation])
            offsets = tune_offsets(scores, truth)
            plain = macro_f1(truth, scores.argmax(axis=1))
            tuned = macro_f1(truth, (scores + offsets).argmax(axis=1))
            print(
                f"  C={c:<5} sentence weight={weight:<4} validation macro-F1 {plain:.4f}, with offsets {tuned:.4f}"
            )
            if best is None or tuned > best.validation_f1:
                best = Choice(c, weight, offsets, tuned)
    assert best is not None
    return best


def main() -> float:
    started = time.perf_counter()
    reviews = load_reviews()
    parts = split(reviews)
    review_vectors = embed_cached(reviews.texts, what="reviews")
    sentences, owners = review_sentences(reviews, parts.train)
    sentence_vectors = embed_cached(sentences, what="sentences")
    data = TrainingSet(review_vectors, sentence_vectors, np.asarray(owners, dtype=np.int64), reviews.labels)
    print(
        f"{len(parts.train)} training reviews ({len(sentences)} of their sentences), {len(parts.test)} held out"
    )
    choice = choose(data, parts.train)
    model = fit(data, parts.train, c=choice.c, sentence_weight=choice.sentence_weight)
    shipped = SentimentModel(
        coef=model.coef_.astype(np.float32),
        intercept=(model.intercept_ + choice.offsets).astype(np.float32),
        classes=[LABELS[int(index)] for index in model.classes_],
        embedder=DEFAULT_MODEL,
    )
    shipped.save(DEFAULT_ARTIFACT)
    index = {label: i for i, label in enumerate(LABELS)}
    guess = np.array([index[p.label] for p in shipped.predict(review_vectors[parts.test])])
    held_out = macro_f1(reviews.labels[parts.test], guess)
    print(f"chosen C={choice.c}, sentence weight={choice.sentence_weight}, offsets {choice.offsets.round(2)}")
    print(f"wrote {DEFAULT_ARTIFACT}")
    print(f"held-out macro-F1 {held_out:.4f} ({time.perf_counter() - started:.0f} s)")
    return held_out


if __name__ == "__main__":
    main()
