"""Telling English from Spanish, with short word lists (no model, no dependency).

``english_or_spanish`` reads one reply: only words that belong to one of the two languages count, a
reply needs two points of evidence and more than the other language has; a Spanish accent, "ñ",
"¿" or "¡" counts as one point. It is not ``analysis.language.detect_language``: that one names
any language of stored text with a model, for analysis; this one only tells which of the guide's
two languages to write the next message in, inside a turn, with no model to load.

``conversation_language`` decides over the whole conversation, with the language the conversation
is in (first the channel's locale) as a prior worth half a word: each clause counts its words for
the language with more evidence in it, number words included, so "ocho" alone is a Spanish reply
while one Spanish phrase in a long English answer is outweighed by the English around it. The
latest reply counts double, so a customer who switches language is followed.
"""

from __future__ import annotations

import re

from askwhy.interview.clauses import split_clauses
from askwhy.interview.text import fold, words

_SPANISH = frozenset(
    {
        "el", "la", "los", "las", "que", "del", "muy", "pero", "es", "fue", "esta", "estaba", "estuvo",
        "por", "para", "con", "sin", "mi", "mis", "su", "sus", "lo", "se", "una", "mas", "nada", "todo",
        "todos", "gracias", "hola", "bien", "mal", "malo", "mala", "bueno", "buena", "envio", "pedido",
        "llego", "tarde", "si", "tambien", "porque", "como", "cuando", "era", "hay", "tiene", "tengo",
        "fueron", "producto", "precio", "caro", "barato", "atencion", "cliente", "entrega", "paquete",
        "tardo", "dias", "semana", "nunca", "siempre", "ya", "aun", "todavia", "pues", "vale", "claro",
        "eso", "esto", "este", "ese", "yo", "nos", "les", "le", "al", "y", "o", "sobre", "entre",
        "porfavor", "favor", "quiero", "puede", "pueden", "podrian", "mejor", "peor", "rapido", "lento",
        "roto", "llegaron", "recibi", "compra", "tienda", "pagina", "web", "devolucion", "reembolso",
        "caja", "embalaje", "calidad", "servicio", "soporte", "agente", "espera", "esperar", "problema",
        "nose", "ni", "idea", "perfecto", "genial", "excelente", "regular", "estupendo", "demasiado",
        "poco", "mucho", "muchas", "hubo", "habia", "donde", "quien", "cual", "algo", "alguien",
    }
)  # fmt: skip
_ENGLISH = frozenset(
    {
        "the", "was", "is", "it", "and", "but", "very", "my", "i", "to", "of", "for", "with", "not",
        "that", "this", "they", "were", "late", "good", "great", "fine", "delivery", "thanks", "thank",
        "yes", "because", "would", "could", "have", "had", "you", "your", "it's", "didn't", "don't",
        "wasn't", "i'm", "i'd", "we", "our", "there", "what", "when", "which", "about", "really",
        "order", "parcel", "package", "arrived", "price", "expensive", "cheap", "quality", "support",
        "agent", "wait", "waiting", "slow", "fast", "quick", "broken", "damaged", "refund", "return",
        "website", "checkout", "product", "service", "nothing", "everything", "just", "too", "much",
        "all", "got", "get", "be", "been", "are", "did", "do", "does", "so", "if", "from", "on", "at",
        "an", "by", "or", "no", "idk", "hello", "hi", "please", "sure", "okay", "awful", "terrible",
        "amazing", "love", "liked", "like", "took", "days", "week", "never", "always", "still", "again",
    }
)  # fmt: skip
_SHARED = frozenset({"no", "me", "a", "un", "ok", "web", "idea", "normal", "final"})
_MARKS = re.compile(r"[áéíóúñ¿¡ü]", re.IGNORECASE)
_NEEDED = 2
_NUMBERS = {
    "en": frozenset({"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}),
    "es": frozenset(
        {"cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez"}
    ),
}
_PRIOR = 0.5
_SAMPLE = 480
_LATEST_WEIGHT = 2


def english_or_spanish(text: str) -> str | None:
    """``"en"`` or ``"es"`` when the reply clearly is that language, else None."""
    sample = text[:1000]
    tokens = set(words(fold(sample))) - _SHARED
    spanish = len(tokens & _SPANISH) + (1 if _MARKS.search(sample) else 0)
    english = len(tokens & _ENGLISH)
    if spanish >= _NEEDED and spanish > english:
        return "es"
    if english >= _NEEDED and english > spanish:
        return "en"
    return None


def conversation_language(texts: list[str], current: str, languages: frozenset[str]) -> str:
    """The language to write in after the customer's ``texts`` (oldest first), ``current`` as prior."""
    totals = {"en": 0.0, "es": 0.0}
    for index, text in enumerate(texts):
        weight = _LATEST_WEIGHT if index == len(texts) - 1 else 1
        spanish, english = _evidence(text)
        totals["es"] += weight * spanish
        totals["en"] += weight * english
    if current in totals:
        totals[current] += _PRIOR
    best = max(totals, key=lambda code: totals[code])
    if best == current or best not in languages or totals[best] <= totals.get(current, 0.0):
        return current
    return best


def _evidence(text: str) -> tuple[int, int]:
    """Words of the reply written in Spanish and in English, clause by clause: a clause counts
    whole for the language with more evidence in it, so a short foreign phrase weighs little."""
    sample = text[:_SAMPLE]
    spanish = english = 0
    for span in split_clauses(sample):
        tokens = set(span.tokens) - _SHARED
        es = len(tokens & _SPANISH) + len(tokens & _NUMBERS["es"])
        es += 1 if _MARKS.search(sample, span.start, span.end) else 0
        en = len(tokens & _ENGLISH) + len(tokens & _NUMBERS["en"])
        if es > en:
            spanish += len(span.tokens)
        elif en > es:
            english += len(span.tokens)
    return spanish, english
