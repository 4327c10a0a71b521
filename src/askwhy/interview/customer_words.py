"""The customer's own words about a topic, safe and whole enough to echo back.

The interviewer acknowledges what the customer said in their terms (“the parcel came late”). A
quote is one clause, or the part of a long clause around the topic, always cut at a word boundary
and never ending on a function word (“the app kept logging me out during” is cut back to “the
app kept logging me out”). It never repeats personal data: words with a digit, e-mail addresses,
links, handles or a capitalised name in the middle of a clause (a member of staff) make the quote
empty. A quote of fewer than two words reads badly; the caller then names
the topic instead.
"""

from __future__ import annotations

import re

from askwhy.interview.clauses import FUNCTION_WORDS, split_clauses
from askwhy.interview.polarity import POLARITY_WORDS
from askwhy.interview.text import fold
from askwhy.interview.vagueness import GENERAL_WORDS

_TOKEN = re.compile(r"\S+")
_WORDLIKE = re.compile(r"\w")
_PERSONAL = re.compile(r"\d|@|https?:|www\.|\.(?:com|net|org|es|io)\b|^#", re.IGNORECASE)
_LEADING = frozenset(
    {"and", "but", "so", "also", "well", "then", "like", "oh", "um", "plus", "y", "pero", "pues", "tambien",
     "o", "e", "aunque", "because", "porque", "although", "though"}
)  # fmt: skip
_KNOWN = FUNCTION_WORDS | GENERAL_WORDS | POLARITY_WORDS
_NOT_NAMES = frozenset({"i", "i'm", "i'd", "i've", "i'll", "ok", "okay"})
_MAX_WORDS = 10
_MIN_WORDS = 2
_MAX_CHARS = 70
_TRIM = " \t'\"`-_*~.,;:!?¿¡()[]{}\u201c\u201d\u2018\u2019"


def quote(clause: str, start: int, end: int) -> str:
    """Words of ``clause`` around ``clause[start:end]`` to quote back, or "" when none are fit to."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(clause)]
    first = next((i for i, (_, _, e) in enumerate(tokens) if e > start), None)
    last = next((i for i in range(len(tokens) - 1, -1, -1) if tokens[i][1] < end), None)
    if first is None or last is None or first > last:
        return ""
    words = [word for word, _, _ in tokens]
    low, high = _fit(0, len(words), first, last)
    if any(_is_unsafe(words[i], i) for i in range(low, high)):
        return ""
    chosen = _trim(words[low:high])
    text = " ".join(word.strip('"\u201c\u201d') for word in chosen).strip(_TRIM)
    while len(text) > _MAX_CHARS and len(chosen) > _MIN_WORDS and high - 1 > last:
        high -= 1
        chosen = _trim(words[low:high])
        text = " ".join(chosen).strip(_TRIM)
    if len(text) > _MAX_CHARS or len(text.split()) < _MIN_WORDS:
        return ""
    return text


def _fit(low: int, high: int, first: int, last: int) -> tuple[int, int]:
    """Narrow [low, high) to at most ``_MAX_WORDS`` words, keeping the mention and what follows it."""
    if high - low <= _MAX_WORDS:
        return low, high
    low = max(low, first - 3)
    if last + 1 - low > _MAX_WORDS:
        low = last + 1 - _MAX_WORDS
    return low, min(high, low + _MAX_WORDS)


def _trim(chosen: list[str]) -> list[str]:
    chosen = [word for word in chosen if _WORDLIKE.search(word)]  # emoji and dashes are not quoted
    while chosen and _bare(chosen[0]) in _LEADING:
        chosen.pop(0)
    while chosen and (_bare(chosen[-1]) in FUNCTION_WORDS or not _bare(chosen[-1])):
        chosen.pop()
    return chosen


def _bare(word: str) -> str:
    return fold(word).strip(_TRIM)


def _is_unsafe(word: str, index: int) -> bool:
    if _PERSONAL.search(word):
        return True
    bare = word.strip(_TRIM)
    folded = fold(bare)
    if not (bare[:1].isupper() and bare[1:].islower() and bare.isalpha()) or folded in _NOT_NAMES:
        return False
    # Mid-clause, a capitalised word is a name; at the start, only when it is no word we know.
    return index > 0 or folded not in _KNOWN


def customer_words(text: str, start: int, end: int) -> str:
    """The quote for the mention ``text[start:end]``, taken from the clause of ``text`` around it."""
    for span in split_clauses(text):
        if span.start <= start < span.end:
            return quote(text[span.start : span.end], start - span.start, end - span.start)
    return ""
