"""Names of people (customers, agents, doctors) found in a set of texts, so that none reaches a
label every user of a workspace reads.

Redaction (`askwhy.analysis.redaction`) catches personal data with a shape (e-mail addresses,
phone, card and IBAN numbers, links with secrets); a name has none, so it is read from how the
texts use it. A word is a person's name when

- the texts put it where English puts a name: after a title ("Dr Morgan", "Mrs Jones"), in an
  introduction ("my name is Sarah", "I'm Ben"), a greeting or thanks ("Hi Angela", "thank you
  John") or after a word for a person ("my friend Alexis"), written with a capital there (after
  "name is" or "named", in any case); and
- it is a proper noun: inside a sentence, where a capital is no sentence start, it is written with
  one in at least `NAME_SHARE` of its uses, counted only in sentences written in ordinary case (opened with
  a capital, at most half of the other words capitalised). Common words ("apple", "brown") are written in
  lower case often enough to stay. In texts written all in lower case, where no capital tells, a
  word counts as a name when at least half of its uses are in such places ("my name is sarah",
  not "my name is wrong on the card").

The word right after such a name is a surname when it is a proper noun by the same signs
("Sarah Brown", "my name is john smith"). Other proper nouns
(products, places, card networks: "Google Pay", "Mastercard", "Hyatt") are no personal data and
can name a topic, and so can days and months. The titles themselves never make a label: they
stand for a name.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable

from askwhy.analysis.stop_words import ENGLISH_STOP_WORDS

TITLES = frozenset("mr mrs ms mx miss dr prof sir madam mister".split())  # noqa: SIM905
NAME_SHARE = 0.8
"""Proper nouns are capitalised whenever written with care; a fifth of the uses are left to typing
habits ("sarah") before a word counts as a common word."""
_CUE = re.compile(
    rf"\b(?:(?P<title>{'|'.join(sorted(TITLES))})\.?"
    r"|(?P<named>name\s+is|name's|named)"
    r"|(?:i'm|i’m|i\s+am|this\s+is|hi|hello|hey|dear|thanks|thank\s+you"
    r"|friend|colleague|partner|husband|wife|son|daughter|agent|advisor|adviser|rep|manager)),?"
    r"\s+(?P<name>[^\W\d_]+)",
    re.IGNORECASE,
)
CALENDAR = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat
    sun january february march april may june july august september october november december
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
"""Day and month names: capitalised common words, never a name here."""
_FUNCTION_WORDS = ENGLISH_STOP_WORDS | {"i"}
_SENTENCE = re.compile(r"[.!?…\n\r]+|\s[-–—]\s")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def person_names(texts: Iterable[str]) -> frozenset[str]:
    """The words (lower case) that `texts` use as names of people, and the titles."""
    cued: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    capitalised: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    sentences = [s for text in texts for s in _SENTENCE.split(text)]
    for sentence in sentences:
        for match in _CUE.finditer(sentence):
            name = match.group("name")
            if _could_be_name(name) and (match.group("named") or name[0].isupper()):
                cued[_fold(name)] += 1
        tokens = _WORD.findall(sentence)
        uses.update(_fold(t) for t in tokens)
        if _ordinary_case(tokens):
            _count_case(tokens[1:], capitalised, lower)

    def proper(word: str, placed: Counter[str]) -> bool:
        cased = capitalised[word] + lower[word]
        if not cased:  # only ever written in lower case: a name is mostly used as one
            return 2 * placed[word] >= uses[word]
        return capitalised[word] >= NAME_SHARE * cased

    names = {word for word in cued if proper(word, cued)}
    after: Counter[str] = Counter(
        _fold(second)
        for sentence in sentences
        for first, second in itertools.pairwise(_WORD.findall(sentence))
        if _fold(first) in names and _could_be_name(second)
    )
    return frozenset(names | {w for w in after if proper(w, after)}) | TITLES


def _could_be_name(word: str) -> bool:
    """Not a function word, an acronym ("BD") or a day or month ("Monday")."""
    return not (_function_word(word) or (len(word) > 1 and word.isupper()) or _fold(word) in CALENDAR)


def _fold(word: str) -> str:
    return word.casefold().replace("’", "'")


def _ordinary_case(tokens: list[str]) -> bool:
    """A sentence whose capitals carry meaning: opened with one, not a title or a shout."""
    capitals = sum(t[0].isupper() and not _function_word(t) for t in tokens[1:])
    return len(tokens) >= 2 and tokens[0][0].isupper() and 2 * capitals <= len(tokens) - 1


def _count_case(tokens: Iterable[str], capitalised: Counter[str], lower: Counter[str]) -> None:
    for token in tokens:
        if token.isupper() or _function_word(token):  # an acronym ("ATM"), "I", "I'm"
            continue
        (capitalised if token[0].isupper() else lower)[_fold(token)] += 1


def _function_word(token: str) -> bool:
    word = _fold(token)
    return word in ENGLISH_STOP_WORDS or word.split("'")[0] in _FUNCTION_WORDS
