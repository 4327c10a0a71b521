"""Reading a score from a reply, in digits or in English and Spanish number words.

The rules, stated so that a team can predict what a reply counts as:

- ``"9/10"``, ``"9 out of 10"``, ``"9 de 10"``: the first number is the score. When the second number
  is a different scale's top (``"4/5"`` on a 0-10 question) the score is rescaled to this scale.
- A range (``"7 or 8"``, ``"7-8"``, ``"7 to 8"``, ``"entre 7 y 8"``) takes the lower value.
- Decimals round half down: ``"8.5"`` is 8, ``"8.6"`` is 9; a customer torn between two scores gets the
  lower one, as with ranges. ``"8,5"`` is read as a decimal too.
- ``"one"``, ``"uno"`` and ``"una"`` count only at the end of the reply or before "stars", "out of"
  and the like, because they are also ordinary words ("the one I ordered").
- Otherwise the first number in the reply is the score.
- A number off the scale (``"11"``, ``"-3"``) is found but gives no score; the caller re-asks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from askwhy.domain.scales import Scale
from askwhy.interview.text import fold, head, squash, words

_NUMBER_WORDS = {
    "zero": 0, "cero": 0, "two": 2, "dos": 2, "three": 3, "tres": 3, "four": 4, "cuatro": 4,
    "five": 5, "cinco": 5, "six": 6, "seis": 6, "seven": 7, "siete": 7, "eight": 8, "ocho": 8,
    "nine": 9, "nueve": 9, "ten": 10, "diez": 10,
    # Frequent typos of the words above.
    "nien": 9, "nnine": 9, "nuebe": 9, "eigth": 8, "eigt": 8, "sevn": 7, "sevne": 7, "tenn": 10,
}  # fmt: skip
_ONE_WORDS = {"one": 1, "uno": 1, "una": 1}
_KEYCAP_TEN = "\U0001f51f"

_WORDS_RE = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_ATOM = re.compile(
    rf"(?P<digits>(?<![\w.,])\d+(?:[.,]\d+)?(?![.,]?\d))"
    rf"|(?<![a-z])(?P<word>{_WORDS_RE})(?![a-z])"
    rf"|(?<![a-z])(?P<one>one|uno|una)(?=\s*(?:/|out of|of\s|de\s|sobre\s|stars?|estrellas?|points?|puntos?)"
    rf"|[^a-z0-9]*$)"
    rf"|(?P<ten>{_KEYCAP_TEN})"
)
_NEGATIVE = re.compile(r"(?:^|\s)-\s?$")
_OUT_OF = re.compile(r"^\s*(?:/|out of|of|de|sobre|over)\s*$")
_RANGE = re.compile(r"^\s*(?:-|/|to|or|and|a|o|u|y|or maybe|o quizas|o tal vez)\s*$")
_MAX_DIGITS = 6
_CHOICE = re.compile(r"^\s*-?\d{1,6}\s*$")
_LEFTOVER_MARKS = re.compile("[\ufe0f\u20e3]")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")


@dataclass(frozen=True)
class _Atom:
    value: float
    start: int
    end: int


@dataclass(frozen=True)
class ScoreReading:
    """What a reply says about the score."""

    value: int | None
    """The score, when one was read and lies on the scale."""
    found: bool
    """A number was read, even one off the scale."""
    start: int = 0
    end: int = 0

    def remainder(self, text: str) -> str:
        """The reply without the score, e.g. the reason given with it ("8, the parcel was late")."""
        if not self.found:
            return squash(text)
        rest = text[: self.start] + " " + text[self.end :]
        rest = _LEFTOVER_MARKS.sub(" ", rest)
        return _SPACE_BEFORE_PUNCT.sub(r"\1", squash(rest)).strip(" ,.;:-!%")


def read_score(text: str, scale: Scale, *, choice_id: str | None = None) -> ScoreReading:
    """Read the score in a reply (or a tapped choice) on ``scale``; see the module for the rules."""
    if choice_id is not None and _CHOICE.match(choice_id):
        chosen = int(choice_id)
        return ScoreReading(chosen if scale.contains(chosen) else None, True)
    folded = fold(head(text))
    atoms = _atoms(folded)
    if not atoms:
        return ScoreReading(None, False)
    first = atoms[0]
    value, end = first.value, first.end
    if len(atoms) > 1:
        second = atoms[1]
        between = folded[first.end : second.start]
        if _OUT_OF.match(between) and _is_scale_top(second.value, scale):
            value, end = _rescale(first.value, second.value, scale), second.end
        elif _RANGE.match(between):
            value, end = min(first.value, second.value), second.end
    score = _round_half_down(value)
    in_range = score is not None and scale.contains(score)
    return ScoreReading(score if in_range else None, True, first.start, end)


def _atoms(folded: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for match in _ATOM.finditer(folded):
        value = _atom_value(match)
        start = match.start()
        if _NEGATIVE.search(folded[max(0, start - 3) : start]) and not _follows_atom(folded, start, atoms):
            value, start = -value, folded.rindex("-", 0, start)
        atoms.append(_Atom(value, start, match.end()))
    return atoms


def _atom_value(match: re.Match[str]) -> float:
    if digits := match.group("digits"):
        whole = digits.replace(",", ".").split(".")[0]
        return math.inf if len(whole) > _MAX_DIGITS else float(digits.replace(",", "."))
    if word := match.group("word"):
        return float(_NUMBER_WORDS[word])
    if match.group("one"):
        return 1.0
    return 10.0


def _follows_atom(folded: str, start: int, atoms: list[_Atom]) -> bool:
    """A dash right after another number is a range ("7 - 8"), not a minus sign."""
    return bool(atoms) and not folded[atoms[-1].end : start].strip(" -")


def _is_scale_top(value: float, scale: Scale) -> bool:
    return value in (scale.high, 5, 7, 10, 100)


def _rescale(value: float, top: float, scale: Scale) -> float:
    if top == scale.high:
        return value
    return value * scale.high / top


def _round_half_down(value: float) -> int | None:
    if math.isinf(value) or math.isnan(value):
        return None
    return math.ceil(value - 0.5)


_SCORE_TALK = frozenset(
    {
        "i", "i'd", "id", "i'll", "would", "will", "say", "give", "giving", "it", "you", "a", "an", "solid",
        "strong", "easy", "out", "of", "probably", "maybe", "perhaps", "definitely", "defo", "like",
        "about", "around", "roughly", "honestly", "rate", "rating", "score", "points", "point", "stars",
        "star", "my", "is", "that's", "its", "it's", "hmm", "um", "well", "ok", "okay", "so", "then",
        "only", "just", "over", "and", "half", "un", "una", "le", "doy", "daria", "diria", "de",
        "sobre", "creo", "que", "yo", "seria", "puntos", "estrellas", "y", "medio", "entre", "or", "o",
        "to", "between", "sure", "yeah", "yes", "si", "the", "please", "thanks", "gracias", "pues",
    }
)  # fmt: skip


def is_score_talk(rest: str) -> bool:
    """True when what is left beside a score is only talk about the score ("I'd say", "a solid")."""
    return all(word in _SCORE_TALK for word in words(fold(rest[:300])))
