"""Candidate labels of one theme, best first: phrases of its central texts, central and distinctive.

A candidate is a run of 2–5 words found in at least `MIN_TEXTS` of the theme's texts (counted among
its most central ones), that a person would write as a label (`askwhy.analysis.phrase_words`) and
whose words do not argue with the theme's dominant sentiment. A label names a topic, not an opinion
of it: a phrase does not start or end with an opinion word (one that leans clearly in VADER's
general lexicon: "love this tunic", "super cute", "fits great") unless the theme uses that word far
more than the other texts do, so that the opinion is what sets it apart ("rude support agent").
Candidates are ranked by how central they are (the closeness to the theme's centre of the texts
that use them) times how distinctive (how much more often the theme uses them than all texts do).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from askwhy.analysis.labels import UBIQUITOUS_LIFT
from askwhy.analysis.phrase_edges import frames, leaves_open, used_as_verbs
from askwhy.analysis.phrase_words import LABEL_STOP, NEGATIONS, acceptable, grams, well_formed

MIN_TEXTS = 3
TIE_BREAK = 0.1
"""Where no phrase is more distinctive than another, the most common one wins."""
CLEAR_LEAN = 1.5
"""A valence (VADER's scale, −4..4) at least this far from zero leans clearly one way. An opinion
word lies beyond it: VADER rates "like" and "fit" exactly 1.5 for their verb and health senses,
which a label's "feel like" or "shirt fit" do not carry."""
Rules = Literal["strict", "relaxed", "loose"]
_SHAPE = {1: 0.35, 2: 1.0, 3: 1.0, 4: 0.8, 5: 0.6}
"""Two and three words read best; a single word only when nothing longer is there."""


@dataclass(frozen=True)
class Phrase:
    text: str
    score: float
    texts: int
    """How many of the theme's central texts contain it."""


@functools.cache
def _valence() -> dict[str, float]:
    """VADER's word valences (−4..4), to spot a label whose words argue with its theme's mood."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return {str(k): float(v) for k, v in SentimentIntensityAnalyzer().lexicon.items()}


def _contradicts(gram: tuple[str, ...], mood: float) -> bool:
    """True when the phrase leans clearly one way and the theme clearly the other."""
    lexicon = _valence()
    lean = sum(lexicon.get(w, 0.0) for w in gram)
    if any(w in NEGATIONS for w in gram):
        lean = -lean
    return (mood <= -0.25 and lean >= CLEAR_LEAN) or (mood >= 0.25 and lean <= -CLEAR_LEAN)


def _opinion_edge(gram: tuple[str, ...], plain_opinions: Collection[str]) -> bool:
    """True when the phrase starts or ends with an opinion word the theme does not stand out by."""
    return gram[0] in plain_opinions or gram[-1] in plain_opinions


def plain_opinions(
    central: Sequence[Sequence[str]],
    closeness: NDArray[np.float64],
    *,
    background: Counter[tuple[str, ...]],
    background_size: int,
    inside: Counter[str],
    inside_size: int,
) -> frozenset[str]:
    """The words of a theme's central texts that lean beyond `CLEAR_LEAN` in the lexicon and that
    the theme uses less than `UBIQUITOUS_LIFT` times as often as texts outside it do: an opinion of
    the topic ("love", "beautiful"), not what sets the theme apart ("rude", "fraud"). `inside`
    counts the texts using each word among the theme's `inside_size` texts in the background sample."""
    lexicon = _valence()
    weight: dict[str, float] = {}
    for tokens, close in zip(central, closeness, strict=True):
        for word in set(tokens):
            if abs(lexicon.get(word, 0.0)) > CLEAR_LEAN:
                weight[word] = weight.get(word, 0.0) + float(close)
    total = max(float(np.sum(closeness)), 1e-9)
    return frozenset(
        word
        for word, seen in weight.items()
        if seen / total
        < UBIQUITOUS_LIFT
        * (background.get((word,), 0) - inside[word] + 1)
        / (background_size - inside_size + 1)
    )


def document_frequency(texts: Sequence[Sequence[str]]) -> Counter[tuple[str, ...]]:
    """How many of `texts` (token lists) hold each phrase."""
    counts: Counter[tuple[str, ...]] = Counter()
    for tokens in texts:
        counts.update(grams(tokens))
    return counts


def rank_phrases(
    central: Sequence[Sequence[str]],
    closeness: NDArray[np.float64],
    background: Counter[tuple[str, ...]],
    background_size: int,
    *,
    banned: frozenset[str] = frozenset(),
    mood: float = 0.0,
    opinions: Collection[str] = frozenset(),
    rules: Rules = "strict",
    least: int | None = None,
) -> list[Phrase]:
    """Candidate phrases of one theme, best first (see the module docstring), each found in at
    least `least` of the central texts (by default `MIN_TEXTS`, or all of fewer); none starts or
    ends with one of `opinions`. For a theme no such phrase names, "relaxed" `rules` keep only the
    rules every label keeps (well formed, no banned word, no lone verb, no stance or motion verb at
    an edge, no argument with `mood`), and "loose" ones the same with stop words at the edges, where
    a word is no stop word, but none closing it that leaves it open (`leaves_open`)."""
    weight: dict[tuple[str, ...], float] = {}
    seen: Counter[tuple[str, ...]] = Counter()
    for tokens, close in zip(central, closeness, strict=True):
        for gram in grams(tokens):
            seen[gram] += 1
            weight[gram] = weight.get(gram, 0.0) + float(close)
    total = max(float(np.sum(closeness)), 1e-9)
    least = min(MIN_TEXTS, len(central)) if least is None else least
    verbs = used_as_verbs(central)
    ranked = []
    for gram, count in seen.items():
        if count < least:
            continue
        if rules == "loose":
            fits = any(w not in LABEL_STOP for w in gram) and not any(w in banned for w in gram)
            fits = fits and not (frames(gram[0]) or frames(gram[-1]) or leaves_open(gram[-1]))
        elif rules == "relaxed":
            fits = well_formed(gram, banned) and not (frames(gram[0]) or frames(gram[-1]))
        else:
            fits = acceptable(gram, banned) and not _opinion_edge(gram, opinions)
        fits = fits and not (len(gram) == 1 and gram[0] in verbs)
        if not fits or _contradicts(gram, mood):
            continue
        share = weight[gram] / total
        overall = (background.get(gram, 0) + 1) / (background_size + 1)
        lift = max(share / overall, 1.0)
        # A phrase is only as specific as its most common content word ("agent with order" is not
        # about anything when every text mentions an order).
        specific = min(
            1 - background.get((w,), 0) / (background_size + 1) for w in gram if w not in LABEL_STOP
        )
        score = share * (np.log(lift) + TIE_BREAK) * _SHAPE[len(gram)] * specific
        ranked.append(Phrase(" ".join(gram), score, count))
    # A single word only when no phrase of two words or more is there.
    # Of phrases that score alike, the fuller one ("wrong size sent" over "size sent").
    return sorted(ranked, key=lambda p: (" " not in p.text, -round(p.score, 9), -len(p.text), p.text))
