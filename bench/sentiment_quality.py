"""How well the shipped sentiment classifier reads held-out reviews, against VADER.

    .venv/bin/python -m bench.sentiment_quality

Uses only the held-out fifth of the clothing reviews (the split of `bench.train_sentiment`, never
seen in training): macro-F1, per-class F1, accuracy and confusion matrices for whole reviews, and
the same for review titles alone (short texts, like chat answers). Writes the "Sentiment quality"
section of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from askwhy.analysis.embeddings import DEFAULT_MODEL, SentenceTransformerEmbedder, resolve_precision
from askwhy.analysis.sentiment import (
    LABELS,
    Sentiment,
    SentimentModel,
    VaderSentiment,
    load_default_sentiment,
)
from bench.common import machine, write_section
from bench.train_sentiment import embed_cached, load_reviews, split

COMMAND = ".venv/bin/python -m bench.sentiment_quality"
TIMING_SAMPLE = 256


@dataclass(frozen=True)
class Scores:
    name: str
    macro_f1: float
    per_class: dict[str, float]
    accuracy: float
    confusion: npt.NDArray[np.int64]
    seconds_per_1k: float


def score(name: str, truth: npt.NDArray[np.int64], predicted: Sequence[Sentiment], seconds: float) -> Scores:
    index = {label: i for i, label in enumerate(LABELS)}
    guess = np.asarray([index[p.label] for p in predicted], dtype=np.int64)
    labels = list(range(len(LABELS)))
    per_class = f1_score(truth, guess, labels=labels, average=None)
    return Scores(
        name=name,
        macro_f1=float(f1_score(truth, guess, labels=labels, average="macro")),
        per_class={label: float(value) for label, value in zip(LABELS, per_class, strict=True)},
        accuracy=float(accuracy_score(truth, guess)),
        confusion=confusion_matrix(truth, guess, labels=labels),
        seconds_per_1k=seconds / max(len(truth), 1) * 1000,
    )


def compare(
    model: SentimentModel, vectors: npt.NDArray[np.float32], texts: list[str], truth: npt.NDArray[np.int64]
) -> tuple[Scores, Scores, Scores]:
    """The shipped model, VADER and the always-positive answer on the same texts."""
    started = time.perf_counter()
    ours = model.predict(vectors)
    ours_time = time.perf_counter() - started
    vader = VaderSentiment()
    started = time.perf_counter()
    theirs = vader.predict_texts(texts)
    vader_time = time.perf_counter() - started
    always = [Sentiment("positive", 1.0)] * len(texts)
    return (
        score("shipped classifier (MiniLM + logistic regression)", truth, ours, ours_time),
        score("VADER (compound ±0.05)", truth, theirs, vader_time),
        score("always positive", truth, always, 0.0),
    )


def embedding_rate(texts: list[str]) -> float:
    """Texts per second through the default embedder, measured on a small sample."""
    embedder = SentenceTransformerEmbedder(DEFAULT_MODEL)
    embedder.encode(texts[:16])
    started = time.perf_counter()
    embedder.encode(texts)
    return len(texts) / (time.perf_counter() - started)


def table(title: str, rows: tuple[Scores, ...], count: int) -> str:
    lines = [
        f"**{title}** ({count} texts)",
        "",
        "| method | macro-F1 | F1 negative | F1 neutral | F1 positive | accuracy | time per 1,000 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        f1 = row.per_class
        timing = f"{row.seconds_per_1k * 1000:.1f} ms" if row.seconds_per_1k else "–"
        lines.append(
            f"| {row.name} | **{row.macro_f1:.3f}** | {f1['negative']:.3f} | {f1['neutral']:.3f} | "
            f"{f1['positive']:.3f} | {row.accuracy:.3f} | {timing} |"
        )
    return "\n".join(lines)


def confusion(row: Scores) -> str:
    header = "| true \\ predicted | " + " | ".join(LABELS) + " |"
    lines = [f"Confusion, {row.name}:", "", header, "| --- | ---: | ---: | ---: |"]
    for label, counts in zip(LABELS, row.confusion, strict=True):
        lines.append(f"| {label} | " + " | ".join(str(int(n)) for n in counts) + " |")
    return "\n".join(lines)


def main() -> dict[str, float]:
    load = os.getloadavg()[0]
    model = load_default_sentiment(384, embedder=DEFAULT_MODEL)
    if model is None:
        raise SystemExit("no shipped sentiment model: run `.venv/bin/python -m bench.train_sentiment` first")
    reviews = load_reviews()
    held_out = split(reviews).test
    texts = [reviews.texts[row] for row in held_out]
    truth = reviews.labels[held_out]
    vectors = embed_cached(reviews.texts, what="reviews")[held_out]
    review_rows: tuple[Scores, ...] = compare(model, vectors, texts, truth)
    shipped = resolve_precision("auto")
    if shipped != "float32":
        # The classifier was fitted on float32 vectors; as shipped, this CPU embeds in `shipped`.
        reduced = SentenceTransformerEmbedder(DEFAULT_MODEL, precision="auto").encode(texts)
        as_shipped = score(
            f"shipped classifier on {shipped} embeddings (the default here)",
            truth,
            model.predict(reduced),
            0.0,
        )
        review_rows = (review_rows[0], as_shipped, *review_rows[1:])

    titled = [row for row in held_out if reviews.titles[row]]
    titles = [reviews.titles[row] for row in titled]
    title_vectors = embed_cached(titles, what="held-out-titles")
    title_rows = compare(model, title_vectors, titles, reviews.labels[titled])
    rate = embedding_rate(texts[:TIMING_SAMPLE])

    for title, rows in (("held-out reviews", review_rows), ("held-out review titles", title_rows)):
        print(title)
        for row in rows:
            print(f"  {row.name:<52} macro-F1 {row.macro_f1:.3f}  accuracy {row.accuracy:.3f}")
    print(f"embedding: {rate:.0f} reviews/s")

    markdown = "\n\n".join(
        [
            "## Sentiment quality",
            f"Command: `{COMMAND}` (after `.venv/bin/python -m bench.train_sentiment`). "
            f"Machine: {machine()}; load average {load:.1f} at the start (a shared machine).",
            "Data: the held-out 20% of the women's clothing reviews (fixed stratified split, seed 0; "
            "rating 1–2 negative, 3 neutral, 4–5 positive; text = title + review). The classifier "
            "never saw these reviews. Titles alone stand in for short chat answers.",
            table("Held-out reviews", review_rows, len(truth)),
            table("Held-out review titles", title_rows, len(titles)),
            confusion(review_rows[0]),
            confusion(review_rows[-2]),
            f"Times exclude embedding; all-MiniLM-L6-v2 embeds about {rate:.0f} reviews/s on this machine "
            f"(batch 64, measured on {min(TIMING_SAMPLE, len(texts))} held-out reviews).",
        ]
    )
    write_section("sentiment", markdown)
    return {
        "model_macro_f1": review_rows[0].macro_f1,
        "vader_macro_f1": review_rows[-2].macro_f1,
        "model_title_macro_f1": title_rows[0].macro_f1,
        "vader_title_macro_f1": title_rows[1].macro_f1,
    }


if __name__ == "__main__":
    main()
