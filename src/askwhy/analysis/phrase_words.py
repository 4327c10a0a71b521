"""The words a theme label is made of: how texts are cut into words, and which words name nothing.

A label is verbatim by construction: it joins with single spaces words that stand next to each
other in a text, separated by one space and nothing else, each bounded by no other letter, digit
or underscore. Read the way a search of the folded text for the whole label reads it (the text
case-folded, curly apostrophes made straight), every label is found where its words were counted.
Anything else between two words (a mark, an emoji, a dash, two spaces, a line break) is a break no
phrase crosses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from askwhy.analysis.labels import STOP_WORDS
from askwhy.analysis.phrase_edges import CONTENT_WORDS, breaks_edges

MAX_WORDS = 5
BREAK = "|"
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+|[.!?;:,()\"…/]")
_LABEL_TOKEN = re.compile(r"(?<!\w)([^\W\d_]+(?:['-][^\W\d_]+)*|\d+)(?!\w)|\w+|[^\w ]+| {2,}")
"""A whole word (hyphenated words kept whole, so a label reads as the texts write it: "top-up"),
captured; or what is no such word (part of a word glued to digits or underscores, marks, other
spaces than one), which becomes a break. A single space between two words is all that joins them."""
_PLACEHOLDER = re.compile(r"\[[^\W\d_]+\]")
"""What stands for removed personal data: redaction's "[email]", "[phone]"…, a data set's "[NAME]"."""
_AUXILIARIES = frozenset({"does", "did", "doing"})
"""Forms of "do" the stop list (scikit-learn's) leaves out beside its "do": "how long does"."""
_CONTRACTIONS = frozenset(
    """
    i'm it's don't didn't can't i've wasn't isn't what's that's there's here's who's where's how's
    let's he's she's you're we're they're i'd you'd i'll you'll it'll we'll you've we've they've
    doesn't won't wouldn't couldn't shouldn't aren't weren't haven't hasn't hadn't
    thats whats theres heres shes hes youre theyre wasnt isnt doesnt didnt wouldnt couldnt shouldnt
    arent werent havent hasnt hadnt youve weve theyve youll theyll itll
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
"""Function words contracted, with an apostrophe or typed without one, which the stop list has only
whole: "what's going", "shes"."""
_INTERJECTIONS = frozenset(
    "oh ah uh um hmm hm haha hahaha wow omg yeah yep yup yes nah nope hey hi hello".split()  # noqa: SIM905
)
"""Words that voice a reaction, not a topic: "oh man"."""
STOP = frozenset(STOP_WORDS) | _AUXILIARIES | _CONTRACTIONS | _INTERJECTIONS
"""Words that name no theme (`askwhy.analysis.theme_ids`)."""
LABEL_STOP = STOP - CONTENT_WORDS
"""Words that neither start nor end a label."""
NEGATIONS = frozenset({"not", "no", "never", "nothing", "don't", "didn't", "can't", "isn't", "wasn't"})
_WEAK_WORDS = frozenset({"thing", "things", "lot", "bit", "way", "time", "day", "people", "make"})


def words(text: str) -> list[str]:
    """Lower-case word tokens, apostrophes kept inside words; punctuation becomes a break no phrase
    crosses ("Dress. This dress" holds no phrase "dress this")."""
    return [w.replace("’", "'") if w[0].isalnum() else BREAK for w in _TOKEN.findall(text.casefold())]


def label_words(text: str) -> list[str]:
    """The folded text's whole words as a label uses them (see the module docstring), a break for
    whatever else stands between them, and no word of a placeholder of removed personal data."""
    folded = _PLACEHOLDER.sub(" . ", text).casefold().replace("’", "'")
    return [w or BREAK for w in _LABEL_TOKEN.findall(folded)]


def grams(tokens: Sequence[str]) -> set[tuple[str, ...]]:
    """Every run of 1 to `MAX_WORDS` words of `tokens` that crosses no break."""
    found: set[tuple[str, ...]] = set()
    for size in range(1, MAX_WORDS + 1):
        for start in range(len(tokens) - size + 1):
            gram = tuple(tokens[start : start + size])
            if BREAK not in gram:
                found.add(gram)
    return found


def well_formed(gram: tuple[str, ...], banned: frozenset[str]) -> bool:
    """True for words that may make a label at all: no stop word or negation at an edge, no
    `banned` word, no number, and a lone word longer than three letters."""
    if gram[0] in LABEL_STOP or gram[-1] in LABEL_STOP or gram[-1] in NEGATIONS:
        return False
    if any(w in banned or w.isdigit() for w in gram):
        return False
    return len(gram) > 1 or len(gram[0]) > 3


def acceptable(gram: tuple[str, ...], banned: frozenset[str]) -> bool:
    """True for a phrase a person would write as a label: `well_formed`, no light verb,
    preposition or hedge at its edges (`askwhy.analysis.phrase_edges`), and not only weak words."""
    if not well_formed(gram, banned) or breaks_edges(gram):
        return False
    content = [w for w in gram if w not in LABEL_STOP]
    if len(gram) == 1:
        return gram[0] not in _WEAK_WORDS
    return len(content) >= 1 and not all(w in _WEAK_WORDS for w in content)
