"""The labelled public data sets of `../shared/data/`, read in place, in the shapes the benchmarks use.

Two views of each set where it has the labels for them:

- a *theme* view: texts with the human codes at the fine level (intent, task, emotion, aspect,
  clothing class) and, where the set has one, the coarse level above it (domain, department);
- a *sentiment* view: texts with negative / neutral / positive, split into a part a head may be
  trained on and a part it is scored on.

Nothing here is tuned: every rule below is a reading of the set's own README.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache

import numpy as np
from sklearn.model_selection import train_test_split

from bench.common import DATA

SEED = 0
CLOTHING_HELD_OUT = 0.2
GOEMOTIONS_TRAIN_SAMPLE = 6_000
"""GoEmotions' 36k training comments, sampled so the one-off embedding stays short on two cores (the
sentiment head reads at most 6,000 texts of a domain: `bench.train_sentiment.MAX_ROWS_PER_DOMAIN`)."""
CLINC_NEUTRAL_SAMPLE = 3_000
SENTIMENTS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class ThemeSet:
    name: str
    texts: list[str]
    fine: list[str]
    coarse: list[str] | None
    """The level above `fine` where the set has one (CLINC domains, STAR domains, clothing departments)."""


@dataclass(frozen=True)
class SentimentSet:
    name: str
    train_texts: list[str]
    train_labels: list[str]
    test_texts: list[str]
    test_labels: list[str]
    scored: bool = True
    """False for a set used only to train (its labels are an assumption, not a human judgement)."""


def _csv(path: str) -> list[dict[str, str]]:
    with (DATA / path).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _jsonl(path: str) -> list[dict[str, object]]:
    with (DATA / path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@cache
def clothing_rows() -> list[dict[str, str]]:
    """Reviews with text, in file order."""
    return [r for r in _csv("womens-clothing-reviews.csv") if (r["Review Text"] or "").strip()]


def clothing_text(row: dict[str, str]) -> str:
    title, body = (row["Title"] or "").strip(), row["Review Text"].strip()
    return f"{title}. {body}" if title else body


def rating_sentiment(rating: int) -> str:
    return "negative" if rating <= 2 else "neutral" if rating == 3 else "positive"


# --- theme views -------------------------------------------------------------------------------


def banking77() -> ThemeSet:
    rows = _csv("banking77/test.csv")
    return ThemeSet("Banking77", [r["text"] for r in rows], [r["category"] for r in rows], None)


def clinc150() -> ThemeSet:
    rows = _csv("clinc150/test.csv")
    return ThemeSet(
        "CLINC150", [r["text"] for r in rows], [r["intent"] for r in rows], [r["domain"] for r in rows]
    )


def mams_themes() -> ThemeSet:
    """Every MAMS sentence, coded by the first aspect it judges (positive or negative), else its first."""
    rows = [r for split in ("train", "val", "test") for r in _jsonl(f"mams-acsa/{split}.jsonl")]
    codes = []
    for row in rows:
        aspects = list(row["aspects"])  # type: ignore[call-overload]
        judged = [a for a in aspects if a["polarity"] != "neutral"]
        codes.append(str((judged or aspects)[0]["category"]))
    return ThemeSet("MAMS-ACSA", [str(r["text"]) for r in rows], codes, None)


def goemotions_themes() -> ThemeSet:
    rows = _csv("goemotions/test.csv")
    return ThemeSet(
        "GoEmotions", [r["text"] for r in rows], [r["emotions"].split(",")[0] for r in rows], None
    )


def star_themes() -> ThemeSet:
    """One text per conversation: the customer's first message of at least four words (else the longest)."""
    texts, tasks, domains = [], [], []
    for row in _jsonl("star/dialogues.jsonl"):
        turns = [str(t["text"]).strip() for t in row["turns"] if t["speaker"] == "user"]  # type: ignore[attr-defined]
        turns = [t for t in turns if t]
        if not turns or not row["tasks"]:
            continue
        first = next((t for t in turns if len(t.split()) >= 4), max(turns, key=len))
        texts.append(first)
        tasks.append(str(row["tasks"][0]))  # type: ignore[index]
        domains.append(str((row["domains"] or ["trivia"])[0]))  # type: ignore[index]
    return ThemeSet("STAR", texts, tasks, domains)


def clothing_themes() -> ThemeSet:
    rows = [r for r in clothing_rows() if r["Class Name"] and r["Department Name"]]
    return ThemeSet(
        "Clothing reviews",
        [clothing_text(r) for r in rows],
        [r["Class Name"] for r in rows],
        [r["Department Name"] for r in rows],
    )


def theme_sets() -> list[ThemeSet]:
    return [banking77(), clinc150(), mams_themes(), goemotions_themes(), star_themes(), clothing_themes()]


# --- sentiment views ---------------------------------------------------------------------------


def clothing_sentiment() -> SentimentSet:
    """Rating 1–2 negative, 3 neutral, 4–5 positive; a fixed, seeded, stratified fifth is held out."""
    rows = clothing_rows()
    texts = [clothing_text(r) for r in rows]
    labels = [rating_sentiment(int(r["Rating"])) for r in rows]
    train, test = train_test_split(
        np.arange(len(texts)), test_size=CLOTHING_HELD_OUT, stratify=labels, random_state=SEED
    )
    train, test = np.sort(train), np.sort(test)
    return SentimentSet(
        "Clothing reviews",
        [texts[i] for i in train],
        [labels[i] for i in train],
        [texts[i] for i in test],
        [labels[i] for i in test],
    )


def goemotions_sentiment() -> SentimentSet:
    """The three-class view (ambiguous and mixed dropped); a seeded sample of train, all of test."""
    train = [r for r in _csv("goemotions/train.csv") if r["sentiment"] in SENTIMENTS]
    keep = np.sort(np.random.default_rng(SEED).choice(len(train), GOEMOTIONS_TRAIN_SAMPLE, replace=False))
    train = [train[i] for i in keep]
    test = [r for r in _csv("goemotions/test.csv") if r["sentiment"] in SENTIMENTS]
    return SentimentSet(
        "GoEmotions (3 classes)",
        [r["text"] for r in train],
        [r["sentiment"] for r in train],
        [r["text"] for r in test],
        [r["sentiment"] for r in test],
    )


def dynasent() -> SentimentSet:
    """Round 2: trained on dev, scored on test."""
    dev, test = _csv("dynasent/round2_dynabench_dev.csv"), _csv("dynasent/round2_dynabench_test.csv")
    return SentimentSet(
        "DynaSent r2",
        [r["sentence"] for r in dev],
        [r["gold_label"] for r in dev],
        [r["sentence"] for r in test],
        [r["gold_label"] for r in test],
    )


def _mams_polarity(aspects: list[dict[str, str]]) -> str | None:
    """A sentence's polarity from its aspects: the one judged direction, None when it judges both."""
    judged = {a["polarity"] for a in aspects} - {"neutral"}
    return judged.pop() if len(judged) == 1 else None


def mams_sentiment() -> SentimentSet:
    """Sentences whose judged aspects all lean one way (MAMS has no neutral sentence by design)."""

    def view(splits: tuple[str, ...]) -> tuple[list[str], list[str]]:
        texts, labels = [], []
        for split in splits:
            for row in _jsonl(f"mams-acsa/{split}.jsonl"):
                polarity = _mams_polarity(list(row["aspects"]))  # type: ignore[call-overload]
                if polarity:
                    texts.append(str(row["text"]))
                    labels.append(polarity)
        return texts, labels

    train_texts, train_labels = view(("train",))
    test_texts, test_labels = view(("val", "test"))
    return SentimentSet("MAMS sentences", train_texts, train_labels, test_texts, test_labels)


def clinc_requests() -> SentimentSet:
    """Plain requests to an assistant (no small talk, no out-of-scope), taken as neutral; train only."""
    rows = [r for r in _csv("clinc150/train.csv") if r["domain"] not in {"small_talk", "oos"}]
    keep = np.sort(np.random.default_rng(SEED).choice(len(rows), CLINC_NEUTRAL_SAMPLE, replace=False))
    texts = [rows[i]["text"] for i in keep]
    return SentimentSet("CLINC150 requests", texts, ["neutral"] * len(texts), [], [], scored=False)


def sentiment_sets() -> list[SentimentSet]:
    return [clothing_sentiment(), goemotions_sentiment(), dynasent(), mams_sentiment(), clinc_requests()]
