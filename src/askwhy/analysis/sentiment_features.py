"""Word-level cues read beside the embedding: what a sentence embedding misses in short chat text.

A sentence embedding places "anyone there?" near other short questions, and "😡😡" near any two
symbols; a lexicon and a few surface cues do not. These features are stacked with the embedding
in the sentiment head (`askwhy.analysis.sentiment`), so the head learns from several domains how
much each cue counts instead of trusting a fixed rule. Every feature lies in about [-1, 1].
"""

from __future__ import annotations

import functools
import html
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

FEATURES: tuple[str, ...] = (
    "vader_compound",
    "vader_positive",
    "vader_negative",
    "emoji_polarity",
    "negation",
    "exclamation",
    "question",
    "question_only",
    "waiting",
    "brevity",
)
"""The order of the columns `lexicon_features` returns; stored with the head so it can be checked."""
ENGLISH_ONLY: tuple[str, ...] = ("vader_compound", "vader_positive", "vader_negative", "negation", "waiting")
"""Cues read from English words (VADER's lexicon, English negations and waiting phrases): zero for
a text in another language, where they would read "no sentiment" into every sentence."""
WAITING_SCORE = -0.5
"""The score of a customer left waiting: a complaint, though not the strongest."""
RATING_BAND = 0.3
"""A bare rating within ±this of its scale's middle (5 of 0–10, 3 of 1–5) is neutral."""

_NEGATIVE_EMOJI_WORDS = (
    "angry", "pouting", "rage", "crying", "weary", "tired", "frowning", "disappointed", "confounded",
    "persevering", "pile of poo", "thumbs down", "symbols covering mouth", "nauseated", "vomiting",
    "broken heart", "steam from nose", "unamused", "worried", "fearful", "anguished", "screaming",
    "rolling eyes", "look of triumph", "sad", "skull",
)  # fmt: skip
_POSITIVE_EMOJI_WORDS = (
    "smiling", "grinning", "thumbs up", "clapping", "party", "star-struck", "heart", "kissing",
    "folded hands", "ok hand", "sparkles", "hundred points", "tears of joy", "beaming", "trophy",
)  # fmt: skip
_URL_OR_HANDLE = re.compile(r"(?:https?://|www\.)\S+|(?<![\w@])@\w+", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_NEGATION = re.compile(r"\b(?:not|no|never|nothing|nobody|none|nowhere|neither|nor|cannot)\b|n't\b")
_WAITING = re.compile(
    r"\b(?:still|been|keep|kept)\s+waiting\b|\bany(?:one|body)\s+(?:there|home|out there)\b"
    r"|\b(?:no|zero)\s+(?:reply|replies|response|answer|update|one answers|one replied)\b"
    r"|\b(?:never|not yet|still not|still haven't|haven't|hasn't|didn't)\s+(?:been\s+)?"
    r"(?:received|arrived|heard|got|come|came|answered|replied|responded|refunded|delivered|shipped)\b"
    r"|^\s*hello\s*\?"
    # A delay is a complaint to a service: "my flight was delayed 3 hours", "arrived two weeks late".
    r"|\b(?:delayed|overdue)\b"
    r"|\b(?:arrived|came|delivered|shipped|showed up|turned up|was|were|is|are|running)"
    r"\s+(?:\w+\s+){0,2}late\b",
    re.IGNORECASE,
)
_NO_OPINION = re.compile(
    r"^\s*(?:no comments?|nothing(?: (?:to add|else|more|really))?|n/?a|none|no idea|not sure|"
    r"dunno|don't know|no opinion|pass|skip|idk)\s*[.!]*\s*$",
    re.IGNORECASE,
)
_LUKEWARM = re.compile(
    r"^\s*(?:(?:it|that|this|all|everything|service)\s*(?:was|is|'s|were|has been)\s+)?"
    r"(?:(?:just|pretty|quite|mostly|kinda|all)\s+)?"
    r"(?:fine|ok|okay|alright|all right|average|decent|so-so|meh|not bad|normal|fair|acceptable|adequate|"
    r"as expected|as usual)"
    r"(?:\s*,?\s*(?:i guess|i suppose|i think|overall|thanks|thank you))?\s*[.!]*\s*$",
    re.IGNORECASE,
)
_RATING = re.compile(r"^\s*(10|[0-9])(?:\s*(?:/|out of)\s*(10|5))?\s*(?:stars?)?\s*[!.]*\s*$", re.IGNORECASE)


@functools.cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def lexicon_features(
    texts: Sequence[str], *, english: Sequence[bool] | None = None
) -> npt.NDArray[np.float32]:
    """One row of `FEATURES` per text (the text as the customer wrote it, emoji included); where
    `english` is given and False, the `ENGLISH_ONLY` cues are zero (emoji, punctuation and length
    read the same in any language)."""
    rows = [_features(text) for text in texts]
    features = np.asarray(rows, dtype=np.float32).reshape(len(rows), len(FEATURES))
    if english is not None:
        foreign = np.flatnonzero(~np.asarray(english, dtype=bool).reshape(len(rows)))
        columns = np.asarray([FEATURES.index(name) for name in ENGLISH_ONLY])
        features[np.ix_(foreign, columns)] = 0.0
    return features


def _features(raw: str) -> list[float]:
    text = _URL_OR_HANDLE.sub(" ", html.unescape(raw)).strip()
    lowered = text.casefold()
    polarity = _vader().polarity_scores(text)
    words = _WORD.findall(lowered)
    question = "?" in text
    return [
        float(polarity["compound"]),
        float(polarity["pos"]),
        float(polarity["neg"]),
        emoji_polarity(text),
        min(len(_NEGATION.findall(lowered)), 2) / 2,
        min(text.count("!"), 3) / 3,
        float(question),
        float(question and len(words) <= 6),
        float(bool(_WAITING.search(text))),
        1.0 / (1.0 + math.log1p(len(words))),
    ]


def emoji_polarity(text: str) -> float:
    """tanh of (positive − negative emoji), judged by words in each emoji's Unicode name."""
    if text.isascii():
        return 0.0
    total = 0
    for char in text:
        if ord(char) < 0x2000 or unicodedata.category(char) not in {"So", "Sk"}:
            continue
        name = unicodedata.name(char, "").casefold()
        if any(word in name for word in _NEGATIVE_EMOJI_WORDS):
            total -= 1
        elif any(word in name for word in _POSITIVE_EMOJI_WORDS):
            total += 1
    return math.tanh(total)


def rating_cue(text: str) -> float | None:
    """A bare score ("10!!!", "3/5", "2 stars") mapped to [-1, 1] around its scale's middle (5 of
    0–10, 3 of 1–5); None when the text is not one."""
    match = _RATING.match(text)
    if not match:
        return None
    value, scale = int(match.group(1)), int(match.group(2) or (5 if "star" in text.casefold() else 10))
    if scale == 5:
        return (value - 3) / 2 if 1 <= value <= 5 else None
    return (value - 5) / 5 if value <= 10 else None


def direct_answer(text: str) -> tuple[str, float] | None:
    """The sentiment an answer states outright, or None when it must be read.

    No training domain holds bare survey answers, so no head can learn them: a bare rating is its
    own judgement, an answer of emoji alone ("😡😡") says what its emoji say, and declining to answer
    ("no comment", "n/a") is neutral, whatever its words, as is a lukewarm answer and nothing more
    ("it was fine", "ok", "not bad"): the reviews the head learned from use "fine" beside complaints
    ("the fabric is fine but..."), so alone it read as negative. Nor does any hold a customer left waiting
    ("still waiting for my refund", "anyone there?"): to a service that is a complaint, so such an
    answer with no positive word in it is negative (`WAITING_SCORE`).
    """
    text = html.unescape(text).strip()
    if _NO_OPINION.match(text):
        return "neutral", 0.0
    if _LUKEWARM.match(text):  # "it was fine": satisfied, nothing to report; VADER's score kept
        return "neutral", float(_vader().polarity_scores(text)["compound"])
    if text and not _WORD.search(text) and (emoji := emoji_polarity(text)):
        return ("positive" if emoji > 0 else "negative"), emoji
    rating = rating_cue(text)
    if rating is None:
        if _WAITING.search(text) and not _vader().polarity_scores(text)["pos"]:
            return "negative", WAITING_SCORE
        return None
    label = "positive" if rating > RATING_BAND else "negative" if rating < -RATING_BAND else "neutral"
    return label, rating
