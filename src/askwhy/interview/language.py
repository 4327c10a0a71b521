"""Telling English from Spanish in a reply, with short word lists (no model, no dependency).

Only words that belong to one of the two languages count; number words do not, so a score alone
("nueve") never switches the conversation's language. A reply needs two points of evidence and
more than the other language has; a Spanish accent, "ñ", "¿" or "¡" counts as one point.
"""

from __future__ import annotations

import re

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


def detect_language(text: str) -> str | None:
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
