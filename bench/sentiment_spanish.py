"""Spanish sentiment: macro-F1 and F1 per class of the shipped heads beside VADER, on Spanish text
no head was trained on.

    nice -n 10 .venv/bin/python -m bench.sentiment_spanish [--sdist PATH] [--limit N]

Two sets, neither trained on (the head for other languages learns from English sets and EvoMSA's
Spanish word list, `bench.sentiment_multilingual`):

- EvoMSA's 987 Spanish tweets (`bench.spanish_tweets`: read in place from the package, never
  copied into the repository);
- the Spanish half of the cross-lingual comments written for the themes benchmark
  (bench/data/crosslingual_feedback.csv), labelled by topic alone: the eight complaint topics
  negative, easy ordering positive; the three topics whose comments go either way (support
  agents, sizing, cancelling a subscription) are left out. 90 comments, no neutral among them.

Each row reads every text whole, embedded once per model (bench/.cache/,
`bench.embedding_store`), and is scored on the same texts:

- VADER, the English lexicon (what a model without a head falls back to);
- all-MiniLM-L6-v2's head as shipped (what a Spanish comment gets under the default model);
- multilingual-e5-small's head with the English-only cues read (as for English text);
- its head that reads the embedding alone (as for text detected as another language);
- the product as configured with multilingual-e5-small (`askwhy.analysis.enrichment.VectorSentiment`:
  each tweet's language detected, then the head that fits it);
- for reference only, on the tweets, a logistic regression fitted on the tweets themselves (5-fold,
  untuned): how much of these noisy labels the embedding can carry at all.

Macro-F1 comes with a 95% bootstrap interval (1,000 resamples of the tweets), so a difference
inside the intervals is not read as one.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from askwhy.analysis.cleaning import clean_for_meaning
from askwhy.analysis.embeddings import DEFAULT_MODEL
from askwhy.analysis.enrichment import ENGLISH_CUES, VectorSentiment
from askwhy.analysis.language import detect_language
from askwhy.analysis.multilingual_embeddings import MULTILINGUAL_MODEL
from askwhy.analysis.sentiment import (
    LABELS,
    VaderSentiment,
    load_default_sentiment,
    load_head_without_cues,
)
from bench.embedding_store import embed_stored
from bench.spanish_tweets import MissingSet, spanish_tweets
from bench.train_sentiment import class_f1

STORE = "spanish-sentiment"
COMMENTS = Path(__file__).parent / "data" / "crosslingual_feedback.csv"
COMPLAINTS = frozenset(
    {
        "late_delivery",
        "damaged_item",
        "refund_waiting",
        "app_crashes",
        "price_too_high",
        "payment_failure",
        "wrong_item",
        "phone_wait",
    }
)
PRAISE = frozenset({"easy_ordering"})
RESAMPLES = 1000
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


def _labels(names: Sequence[str]) -> IntArray:
    return np.asarray([LABELS.index(name) for name in names], dtype=np.int64)


def _interval(truth: IntArray, guess: IntArray) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    scores = []
    for _ in range(RESAMPLES):
        pick = rng.integers(0, len(truth), len(truth))
        scores.append(float(np.nanmean(class_f1(truth[pick], guess[pick]))))
    low, high = np.percentile(scores, [2.5, 97.5])
    return float(low), float(high)


def _row(name: str, truth: IntArray, guess: IntArray) -> str:
    per_class = class_f1(truth, guess)
    low, high = _interval(truth, guess)
    shares = np.bincount(guess, minlength=3) / len(guess)
    return (
        f"| {name} | {float(np.nanmean(per_class)):.3f} ({low:.3f}–{high:.3f}) | "
        + " | ".join(f"{f:.3f}" for f in per_class)
        + " | "
        + " / ".join(f"{s:.0%}" for s in shares)
        + " |"
    )


def _embedded(texts: Sequence[str], model: str) -> FloatArray:
    return embed_stored([clean_for_meaning(t) for t in texts], what=STORE, model=model)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sdist", type=Path, help="the downloaded evomsa-2.0.14.tar.gz")
    parser.add_argument("--limit", type=int, help="only the first N tweets (a quick try)")
    args = parser.parse_args()
    try:
        data = spanish_tweets(args.sdist)
    except MissingSet as missing:
        raise SystemExit(str(missing)) from None
    texts, names = data.texts[: args.limit], data.labels[: args.limit]
    truth = _labels(names)
    counts = np.bincount(truth, minlength=3)
    print(
        f"{len(texts)} tweets from {data.source} ({data.left_out} mixed left out): "
        + ", ".join(f"{label} {n}" for label, n in zip(LABELS, counts, strict=True))
    )
    started = time.process_time()
    minilm, e5 = _embedded(texts, DEFAULT_MODEL), _embedded(texts, MULTILINGUAL_MODEL)
    print(f"embedded in {time.process_time() - started:.0f} s of CPU (cached texts cost nothing)")
    spanish = sum(detect_language(t) == "es" for t in texts)
    english = [detect_language(t) in ENGLISH_CUES for t in texts]
    print(f"detected as Spanish: {spanish} of {len(texts)}; read with the English cues: {sum(english)}")
    _table(texts, truth, minilm, e5)
    print(
        _row(
            f"reference: a head fitted on these tweets ({MULTILINGUAL_MODEL}, 5-fold)",
            truth,
            _in_domain(e5, truth),
        )
    )
    print(f"| the labels themselves | | | | | {' / '.join(f'{n / len(truth):.0%}' for n in counts)} |")
    comments, topics = _comments()
    truth = _labels(topics)
    print(
        f"\n{len(comments)} Spanish comments of {COMMENTS.name} labelled by topic: {np.bincount(truth, minlength=3)}"
    )
    _table(comments, truth, _embedded(comments, DEFAULT_MODEL), _embedded(comments, MULTILINGUAL_MODEL))


def _table(texts: Sequence[str], truth: IntArray, minilm: FloatArray, e5: FloatArray) -> None:
    cued = load_default_sentiment(e5.shape[1], embedder=MULTILINGUAL_MODEL)
    alone = load_head_without_cues(e5.shape[1], embedder=MULTILINGUAL_MODEL)
    if cued is None or alone is None:
        raise SystemExit(f"no head shipped for {MULTILINGUAL_MODEL} (src/askwhy/analysis/models/)")
    rows: list[tuple[str, Callable[[], list[str]]]] = [
        ("VADER", lambda: [s.label for s in VaderSentiment().predict_texts(texts)]),
        (f"{DEFAULT_MODEL}, its head as shipped", lambda: _scored(VectorSentiment(384, embedder=DEFAULT_MODEL), texts, minilm)),
        (f"{MULTILINGUAL_MODEL}, head with the cues read", lambda: [s.label for s in cued.predict(e5, texts, english=[True] * len(texts))]),
        (f"{MULTILINGUAL_MODEL}, embedding alone", lambda: [s.label for s in alone.predict(e5, texts)]),
        (f"{MULTILINGUAL_MODEL} as the product reads it (language detected)", lambda: _scored(VectorSentiment(384, embedder=MULTILINGUAL_MODEL), texts, e5)),
    ]  # fmt: skip
    print(
        "| reading | macro-F1 (95% interval) | F1 negative | F1 neutral | F1 positive | read as neg / neu / pos |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name, read in rows:
        print(_row(name, truth, _labels(read())))


def _comments() -> tuple[list[str], list[str]]:
    """The Spanish comments of the complaint and praise topics, with the label their topic gives."""
    with COMMENTS.open(newline="", encoding="utf-8") as handle:
        rows = [
            r for r in csv.DictReader(handle) if r["language"] == "es" and r["topic"] in COMPLAINTS | PRAISE
        ]
    return [r["text"] for r in rows], ["negative" if r["topic"] in COMPLAINTS else "positive" for r in rows]


def _in_domain(vectors: FloatArray, truth: IntArray) -> IntArray:
    """Each tweet read by a logistic regression fitted on the other folds' tweets: how much of the
    labels the embedding can carry at all, which a head trained on English reviews is judged by.
    Not a shipped head, and tuned on nothing (C=1, balanced classes)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    head = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    return np.asarray(cross_val_predict(head, vectors, truth, cv=folds), dtype=np.int64)


def _scored(scorer: VectorSentiment, texts: Sequence[str], vectors: FloatArray) -> list[str]:
    return [label for label, _ in scorer.score(texts, vectors)]


if __name__ == "__main__":
    main()
