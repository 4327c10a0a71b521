"""The customer's own words around a theme mention, safe to echo back.

The interviewer acknowledges what the customer said in their terms ("the parcel came late"), but
never repeats personal data: a clause holding a word with a digit, an e-mail address, a link, a
handle or a phone number is not quoted. Neither is a single word, which reads badly when echoed;
the caller then names the theme instead.
"""

from __future__ import annotations

import re

_CLAUSE_BREAK = re.compile(
    r"[!?;\n()\[\]\"|]|[.,:](?=\s|$)|\s(?:but|and|although|though|because|while|pero|y|aunque|porque|sino|mientras)\s",
    re.IGNORECASE,
)
_PERSONAL = re.compile(r"\d|@|https?:|www\.|\.(?:com|net|org|es|io)\b", re.IGNORECASE)
_MAX_WORDS = 7
_MIN_WORDS = 2
_MAX_CHARS = 60
_TRIM = " \t'\"`-_*~.,;:!?¿¡()[]{}"


def customer_words(text: str, start: int, end: int) -> str:
    """The clause of ``text`` around ``text[start:end]``, trimmed and free of personal data."""
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(text, max(0, start - 200), start)), default=0)
    right_match = _CLAUSE_BREAK.search(text, end, end + 200)
    right = right_match.start() if right_match else min(len(text), end + 200)
    before = text[left:start].split()
    mention = text[start:end].split()
    after = text[end:right].split()
    budget = max(0, _MAX_WORDS - len(mention))
    keep_after = min(len(after), budget // 2 + max(0, budget // 2 - len(before)) + budget % 2)
    keep_before = min(len(before), budget - keep_after)
    chosen = before[len(before) - keep_before :] + mention + after[:keep_after]
    if any(_PERSONAL.search(word) for word in chosen):
        return ""
    quote = " ".join(word.strip('"\u201c\u201d') for word in chosen).strip(_TRIM)
    if len(quote) > _MAX_CHARS:
        quote = " ".join(mention).strip(_TRIM)
    return quote if len(quote.split()) >= _MIN_WORDS else ""
