"""Theme ids that follow what a theme is about, not the exact wording of its label.

A label is the best of several phrases that often score alike ("requested a refund", "like a
refund"): on nearly the same data the winner flips, and an id hashed from the label flipped with
it. An id hashes the theme's most distinctive word instead: the word its texts use far more often
than the texts around them (all texts for a top-level theme, the parent's texts for a subtheme),
counted over all of its members. A single word is counted in many more texts than any one phrase,
so it rarely changes when a tenth of the data is missing, or when the theme gains or loses a few
texts at its edge. Where siblings share that word ("card" for several card themes), each is named
by the content words of its label instead, as a set, so "reset the passcode" and "reset my
passcode" are still one name. Measured on every labelled set by `bench.themes_quality`
(independent runs on 90% and 100% of the texts; `docs/benchmarks.md`).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Sequence

from askwhy.analysis.phrases import STOP, words

MIN_TEXTS = 3


def theme_id(label: str, parent: str = "") -> str:
    """A stable id from a name (a signature or a label) under its parent's id or label."""
    return hashlib.sha256(f"{parent}\x1f{label}".casefold().encode()).hexdigest()[:32]


def content_words(text: str, *, banned: frozenset[str] = frozenset()) -> frozenset[str]:
    """The words of `text` that can name a theme: no stop words, digits, brand terms or short
    words; a plural counts as its singular ("cards" is "card")."""
    found = set()
    for word in words(text):
        if not word.isalpha() or len(word) < 3 or word in STOP or word in banned:
            continue
        found.add(_stem(word))
    return frozenset(found)


def _stem(word: str) -> str:
    """One form for a word's inflections ("charge", "charged", "charges"): never shown, only hashed."""
    for ending in ("ing", "ed", "es", "s", "e"):
        if word.endswith(ending) and not word.endswith("ss") and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def document_frequency(rows: Iterable[int], vocabulary: Sequence[frozenset[str]]) -> tuple[Counter[str], int]:
    """How many of `rows` use each word, and how many rows there are."""
    counts: Counter[str] = Counter()
    size = 0
    for row in rows:
        counts.update(vocabulary[row])
        size += 1
    return counts, size


def ranked_words(
    members: Sequence[int], around: tuple[Counter[str], int], vocabulary: Sequence[frozenset[str]]
) -> list[tuple[str, float]]:
    """The words of `members` (rows of `vocabulary`), most distinctive against the texts around
    them (`document_frequency` of their context) first: share of the members using a word times
    the log of how much more often they use it."""
    inside, _ = document_frequency(members, vocabulary)
    context, total = around
    least = min(MIN_TEXTS, max(1, len(members)))
    size, total = max(len(members), 1), max(total, 1)
    scores = {}
    for word, count in inside.items():
        if count < least:
            continue
        share = count / size
        lift = share / ((context[word] + 1) / (total + 1))
        scores[word] = share * math.log(max(lift, 1.0))
    ranked = sorted((w for w in scores if scores[w] > 0), key=lambda w: (-round(scores[w], 9), w))
    return [(w, scores[w]) for w in ranked]


def signatures(ranked: Sequence[Sequence[tuple[str, float]]], labels: Sequence[str]) -> list[str]:
    """One name per sibling: its most distinctive word where no sibling shares it; else the content
    words of its label as a set ("reset the passcode" and "reset my passcode" are one name), and
    the label itself where even those coincide."""
    first = [r[0][0] if r else "" for r in ranked]
    words_of = [" ".join(sorted(content_words(label))) for label in labels]
    shared = Counter(first)
    names = [w if w and shared[w] == 1 else f"\x1e{k}" for w, k in zip(first, words_of, strict=True)]
    shared = Counter(names)
    return [n if shared[n] == 1 else f"\x1e\x1e{label}" for n, label in zip(names, labels, strict=True)]


def sibling_ids(
    groups: Sequence[Sequence[int]],
    context: Iterable[int],
    vocabulary: Sequence[frozenset[str]],
    *,
    labels: Sequence[str],
    parent: str = "",
) -> list[str]:
    """Ids of sibling themes (`groups` of rows, with their `labels`, distinct) from their
    signatures against `context` rows, under the parent's id."""
    around = document_frequency(context, vocabulary)
    ranked = [ranked_words(g, around, vocabulary) for g in groups]
    return [theme_id(name, parent) for name in signatures(ranked, labels)]
