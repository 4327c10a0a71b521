"""Splitting a reply into clauses, and telling a specific clause from a vague one.

A clause ends at sentence punctuation, a comma, or a joining word ("but", "and", "pero", "y"), so
"checkout was quick but the courier was rude" is two clauses with opposite feelings. A clause is
specific when it names something concrete: a number, an amount, a time ("three times", "on
Monday", "dos semanas"), or at least four content words (not function words, not general words
of judgement such as "good" or "fine").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from askwhy.interview.text import fold, head, words
from askwhy.interview.vagueness import GENERAL_WORDS

_BREAK = re.compile(
    r"[!?;\n()\[\]|]+|[.,:](?=\s|$)|\s(?:but|and|although|though|because|while|whereas|however|pero|y|aunque"
    r"|porque|sino|mientras|e)\s",
    re.IGNORECASE,
)
FUNCTION_WORDS = frozenset(
    {
        "the", "a", "an", "my", "your", "our", "their", "his", "her", "its", "this", "that", "these",
        "those", "to", "of", "in", "on", "at", "for", "with", "by", "from", "during", "about", "into",
        "onto", "over", "under", "after", "before", "through", "and", "or", "but", "so", "as", "than",
        "because", "while", "when", "if", "i", "me", "we", "us", "you", "they", "them", "he", "she",
        "it", "was", "is", "are", "were", "be", "been", "am", "very", "really", "just", "had", "have",
        "has", "do", "did", "does", "would", "could", "should", "will", "can", "not", "no", "then",
        "there", "which", "who", "what", "why", "how", "also", "too", "some", "any", "all", "got",
        "get", "it's", "i'm", "i'd", "i've", "didn't", "don't", "wasn't", "until", "up", "out", "off",
        "el", "la", "los", "las", "un", "una", "unos", "unas", "de", "del", "al", "en", "con", "por",
        "para", "sin", "sobre", "o", "pero", "que", "mi", "mis", "tu", "tus", "su", "sus", "lo", "le",
        "les", "se", "te", "nos", "muy", "es", "fue", "era", "estaba", "cuando", "como",
        "porque", "entre", "hasta", "desde", "y", "ya", "mas", "tan", "este", "esta", "ese", "esa",
        "yo", "hay", "ha", "han", "e", "u", "ni",
    }
)  # fmt: skip
_CONCRETE = frozenset(
    {
        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twice",
        "times", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months",
        "yesterday", "today", "tonight", "morning", "afternoon", "evening", "night", "midnight", "monday",
        "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekend", "dos", "tres",
        "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "veces", "vez", "minuto",
        "minutos", "hora", "horas", "dia", "dias", "semana", "semanas", "mes", "meses", "ayer", "hoy",
        "noche", "lunes", "martes", "miercoles", "jueves", "viernes", "sabado",
        "domingo", "euros", "dollars", "pounds", "pesos",
    }
)  # fmt: skip
_VAGUE_CONTENT = frozenset(
    {"lot", "lots", "bit", "time", "times", "way", "mucho", "mucha", "muchos", "muchas", "tiempo", "poco",
     "cosa", "cosas", "vez"}
)  # fmt: skip
_AMOUNT = re.compile(r"\d|[€$£]")
_MIN_CONTENT_WORDS = 4
MAX_CLAUSES = 16


@dataclass(frozen=True)
class Span:
    """One clause of a reply: where it is, and its folded words."""

    start: int
    end: int
    tokens: tuple[str, ...]


def split_clauses(text: str) -> list[Span]:
    """The clauses of a reply in reading order, each with at least one word."""
    folded = fold(head(text))
    spans: list[Span] = []
    position = 0
    for match in _BREAK.finditer(folded):
        _add(spans, folded, position, match.start())
        position = match.end()
        if len(spans) >= MAX_CLAUSES:
            return spans
    _add(spans, folded, position, len(folded))
    return spans


def content_words(tokens: tuple[str, ...]) -> list[str]:
    """The words that carry meaning: neither function words nor general words of judgement."""
    return [
        t for t in tokens if t not in FUNCTION_WORDS and t not in GENERAL_WORDS and t not in _VAGUE_CONTENT
    ]


def is_specific(raw: str, tokens: tuple[str, ...]) -> bool:
    """True when the clause names a number, an amount, a time, or enough concrete words."""
    if _AMOUNT.search(raw) or any(token in _CONCRETE for token in tokens):
        return True
    return len(content_words(tokens)) >= _MIN_CONTENT_WORDS


def _add(spans: list[Span], folded: str, start: int, end: int) -> None:
    tokens = words(folded[start:end])
    if tokens:
        spans.append(Span(start, end, tokens))
