"""The sentiment head for the multilingual model, trained and measured beside the default model's.

    nice -n 10 .venv/bin/python -m bench.sentiment_multilingual            # measure, then write the head
    nice -n 10 .venv/bin/python -m bench.sentiment_multilingual --fill     # only embed (resumable)
    nice -n 10 .venv/bin/python -m bench.sentiment_multilingual --only default   # one part of it

The head is trained exactly as `bench.train_sentiment` trains the default one (the same domains,
weighting, grid and intercept offsets chosen leave-one-domain-out on the training parts), on
multilingual-e5-small embeddings instead of all-MiniLM-L6-v2. Two differences, both because the
multilingual model is there for text that is not English:

- Each training text appears twice, once with its lexicon cues and once with the English-only
  cues (VADER, negation, waiting; `askwhy.analysis.sentiment_features.ENGLISH_ONLY`) set to zero,
  so the head also reads a sentence whose cues are not read (a Spanish one) from the embedding.
- The head for other languages (the embedding alone) also learns from Spanish words: the word list
  of the EvoMSA package (`bench.spanish_tweets.spanish_words`: 527 positive and 1,029 negative
  words and short phrases) with b4msa's 330 Spanish function words as its neutral class
  (`bench.spanish_function_words`), one more domain weighing as much as each English set. No
  Spanish sentence is trained on: EvoMSA's labelled tweets are not, so `bench.sentiment_spanish`
  scores the head on Spanish sentences it has not seen. Without the two packages (their sdists in
  bench/.cache/, or installed) the head cannot be written.
- Fewer texts: multilingual-e5-small embeds about 25 sentences a second on an idle 2-core machine
  and a few under load, so each domain's training part is a seeded sample of at most
  `TRAIN_ROWS` and its test part of at most `TEST_ROWS`. The default model is measured on the very
  same samples, so the two columns compare the embeddings, not the data.

Embeddings are kept in bench/.cache/ (`bench.embedding_store`), stored chunk by chunk, so an
interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from askwhy.analysis.cleaning import clean_for_meaning
from askwhy.analysis.embeddings import DEFAULT_MODEL
from askwhy.analysis.multilingual_embeddings import MULTILINGUAL_MODEL
from askwhy.analysis.sentiment import VaderSentiment, artifact_for
from askwhy.analysis.sentiment_features import ENGLISH_ONLY, FEATURES, lexicon_features
from bench.corpora import SentimentSet, sentiment_sets
from bench.embedding_store import embed_stored
from bench.spanish_function_words import spanish_function_words
from bench.spanish_tweets import MissingSet, spanish_words
from bench.train_sentiment import (
    GRID_FEATURE_SCALE,
    STORE,
    Domain,
    HeldOut,
    _labels,
    leave_one_domain_out,
    macro_f1,
    train,
)

TRAIN_ROWS = 400
TEST_ROWS = 300
CHUNK = 100
"""Texts embedded between two saves of the store."""

FloatArray = npt.NDArray[np.float32]


def _sample(rows: int, most: int, seed: int) -> npt.NDArray[np.int64]:
    """The first `most` rows of a seeded shuffle: a larger sample holds every row of a smaller one,
    so raising the sizes only embeds the rows added."""
    return np.sort(np.random.default_rng(seed).permutation(rows)[:most])


def _embedded(texts: Sequence[str], model: str) -> FloatArray:
    """Embeddings of cleaned `texts`, saved to the store every `CHUNK` texts."""
    cleaned = [clean_for_meaning(t) for t in texts]
    parts = [
        embed_stored(cleaned[i : i + CHUNK], what=STORE, model=model) for i in range(0, len(cleaned), CHUNK)
    ]
    return np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)


def domain(data: SentimentSet, model: str) -> Domain:
    """One labelled set on `model`'s embeddings, with the samples this benchmark reads."""
    keep = _sample(len(data.train_texts), TRAIN_ROWS, seed=0)
    held = _sample(len(data.test_texts), TEST_ROWS, seed=1)
    train_texts = [data.train_texts[i] for i in keep]
    test_texts = [data.test_texts[i] for i in held]
    return Domain(
        name=data.name,
        train_x=_embedded(train_texts, model),
        train_f=lexicon_features(train_texts),
        train_y=_labels([data.train_labels[i] for i in keep]),
        test_x=_embedded(test_texts, model),
        test_f=lexicon_features(test_texts),
        test_y=_labels([data.test_labels[i] for i in held]),
        test_texts=test_texts,
        scored=data.scored,
        request_like=not data.scored,
    )


def spanish_words_domain() -> Domain:
    """The Spanish word list, its function words as neutral, as a training domain of the head for
    other languages, weighing as much as each English set (`bench.train_sentiment.fit`); never
    scored (words are not answers), so its test part is empty."""
    words = spanish_words()
    function_words = spanish_function_words()
    texts = [*words.texts, *function_words]
    x = _embedded(texts, MULTILINGUAL_MODEL)
    f = lexicon_features(texts, english=[False] * len(texts))
    y = _labels([*words.labels, *["neutral"] * len(function_words)])
    return Domain(
        name="Spanish words",
        train_x=x,
        train_f=f,
        train_y=y,
        test_x=x[:0],
        test_f=f[:0],
        test_y=y[:0],
        test_texts=[],
        scored=False,
        request_like=False,
    )


def with_cues_dropped(data: Domain) -> Domain:
    """The domain's training rows twice: with their cues, and with the English-only cues zeroed."""
    english = [FEATURES.index(name) for name in ENGLISH_ONLY]
    dropped = data.train_f.copy()
    dropped[:, english] = 0.0
    return replace(
        data,
        train_x=np.vstack([data.train_x, data.train_x]),
        train_f=np.vstack([data.train_f, dropped]),
        train_y=np.concatenate([data.train_y, data.train_y]),
    )


def _table(rows: Sequence[tuple[str, list[HeldOut]]]) -> None:
    names = [h.domain for h in rows[0][1]]
    print("| head | " + " | ".join(names) + " | mean |")
    print("| --- |" + " --- |" * (len(names) + 1))
    for label, held in rows:
        f1s = [macro_f1(h.truth, h.guess) for h in held]
        print(f"| {label} | " + " | ".join(f"{f:.3f}" for f in f1s) + f" | {np.mean(f1s):.3f} |")


MEASURES = (
    "vader",
    "default",
    "multilingual",
    "multilingual-no-english-cues",
    "multilingual-embedding-alone",
    "write",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fill", action="store_true", help="only embed the samples, then stop")
    parser.add_argument(
        "--only",
        choices=MEASURES,
        action="append",
        help="run only these parts (each can run in a process of its own): the default model's head "
        "leave-one-domain-out, the multilingual head's, the multilingual head's with the English-only "
        "cues not read (as for Spanish text), and training and writing the shipped head",
    )
    args = parser.parse_args()
    parts = set(args.only or MEASURES) - ({"default"} if args.fill else set())
    started = time.perf_counter()
    sets = sentiment_sets()
    if "default" in parts:
        default = [domain(data, DEFAULT_MODEL) for data in sets]
        _table([(f"{DEFAULT_MODEL} (its head as shipped: cues read)", leave_one_domain_out(default))])
    if not args.fill and parts <= {"default"}:
        return
    multilingual = [with_cues_dropped(domain(data, MULTILINGUAL_MODEL)) for data in sets]
    print(f"{MULTILINGUAL_MODEL}: embedded in {time.perf_counter() - started:.0f} s")
    if args.fill:
        return
    for d in multilingual:
        print(f"{d.name}: {len(d.train_y) // 2} training, {len(d.test_y)} test texts")
    if "multilingual" in parts:
        _table([(f"{MULTILINGUAL_MODEL} (cues read)", leave_one_domain_out(multilingual))])
    if "multilingual-no-english-cues" in parts:
        unread = [replace(d, test_f=_english_dropped(d.test_f)) for d in multilingual]
        _table([(f"{MULTILINGUAL_MODEL} (English-only cues not read)", leave_one_domain_out(unread))])
    if "vader" in parts:
        vader = VaderSentiment()
        scored = [d for d in multilingual if d.scored]
        f1s = [
            macro_f1(d.test_y, _labels([s.label for s in vader.predict_texts(d.test_texts)])) for d in scored
        ]
        print(
            "| VADER (same test samples) | "
            + " | ".join(f"{f:.3f}" for f in f1s)
            + f" | {np.mean(f1s):.3f} |"
        )
    other_languages = [*multilingual, _spanish()] if parts & {"multilingual-embedding-alone", "write"} else []
    if "multilingual-embedding-alone" in parts:
        alone = leave_one_domain_out(other_languages, scales=(0.0,))
        _table([(f"{MULTILINGUAL_MODEL} (embedding alone, Spanish words too: other languages)", alone)])
    if "write" in parts:
        for cues, path in (
            (True, artifact_for(MULTILINGUAL_MODEL)),
            (False, artifact_for(MULTILINGUAL_MODEL, cues=False)),
        ):
            head, choice = train(
                multilingual if cues else other_languages,
                model=MULTILINGUAL_MODEL,
                scales=GRID_FEATURE_SCALE if cues else (0.0,),
            )
            head.save(path)
            print(
                f"chosen C={choice.c}, cue scale={choice.feature_scale}, offsets {choice.offsets.round(2)}; "
                f"leave-one-domain-out on training parts: mean macro-F1 {choice.mean_f1:.3f}; wrote {path}"
            )
    print(f"{time.perf_counter() - started:.0f} s")


def _spanish() -> Domain:
    try:
        return spanish_words_domain()
    except MissingSet as missing:
        raise SystemExit(str(missing)) from None


def _english_dropped(features: FloatArray) -> FloatArray:
    dropped = features.copy()
    dropped[:, [FEATURES.index(name) for name in ENGLISH_ONLY]] = 0.0
    return dropped


if __name__ == "__main__":
    main()
