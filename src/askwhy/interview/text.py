"""Folding a customer's reply for matching: lower case, accents removed, same length as the input.

Every reader of a reply (score, opt-out, vagueness, themes, language) folds the same text, so the
folding is cached for the last few replies.

Keeping the length lets a match found in the folded text point at the customer's own words in the
original text, which is what the interviewer echoes back.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

READ_LIMIT = 1000
"""Characters of a reply read to choose the next question. A longer reply is stored whole and
analysed in full later; the interviewer only needs its gist, and stays fast on any input."""

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SPACES = re.compile(r"\s+")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {cp: chr(cp).lower() for cp in range(ord("A"), ord("Z") + 1)}
    for cp in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(cp))[0].lower()
        if len(base) == 1 and base.isascii() and base.isalpha():
            table[cp] = base
    table.update({ord(c): "'" for c in "\u2018\u2019\u02bc\u00b4`"})
    table.update({ord(c): '"' for c in "\u201c\u201d\u00ab\u00bb"})
    table.update({ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
    # Emoji presentation and keycap marks: "9\ufe0f\u20e3" reads as "9".
    table.update({0xFE0F: " ", 0x20E3: " ", 0x200D: " "})
    return table


_TABLE = _fold_table()


@lru_cache(maxsize=64)
def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents, keeping one output character per input character."""
    if text.isascii():
        return text.lower().replace("`", "'")
    return text.translate(_TABLE)


def head(text: str) -> str:
    """The part of a reply the interviewer reads (see ``READ_LIMIT``)."""
    return text[:READ_LIMIT]


@lru_cache(maxsize=64)
def words(folded: str) -> tuple[str, ...]:
    """The words of an already folded text, apostrophes kept inside words ("didn't", "i'd")."""
    return tuple(_WORD.findall(folded))


def phrase(text: str) -> str:
    """The words of ``text`` (not yet folded) joined by single spaces: a key for phrase lookups."""
    return " ".join(words(fold(text)))


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space and trim."""
    return _SPACES.sub(" ", text).strip()
