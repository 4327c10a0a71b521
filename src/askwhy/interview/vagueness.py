"""Recognising an answer too vague to act on ("it was fine", "idk", "meh", "no sé", "bien").

A reply is vague when it has no words at all (empty, punctuation, emoji) or when it is short and
every word in it is a general word of judgement or filler. One concrete word ("slow", "driver",
"refund") makes it specific enough; theme keywords are checked by the caller before this.
"""

from __future__ import annotations

from askwhy.interview.text import fold, words

GENERAL_WORDS = frozenset(
    {
        # English judgement and filler
        "it", "it's", "its", "was", "is", "were", "has", "been", "be", "all", "pretty", "very", "really",
        "quite", "just", "so", "too", "fine", "ok", "okay", "k", "kk", "good", "great", "nice", "alright",
        "bad", "meh", "idk", "dunno", "nothing", "everything", "anything", "normal", "whatever",
        "average", "not", "sure", "i", "i'm", "im", "don't", "dont", "know", "no", "idea", "special",
        "decent", "fair", "enough", "eh", "hmm", "um", "uh", "well", "overall", "generally", "na", "n",
        "a", "the", "lol", "yeah", "yes", "cool", "perfect", "excellent", "awesome", "amazing",
        "terrible", "horrible", "poor", "satisfied", "happy", "unhappy", "mostly", "kind", "of",
        "kinda", "sort", "sorta", "same", "as", "usual", "always", "experience", "stuff",
        "things", "thing", "nah", "guess", "think", "say", "would", "can't", "cant",
        "much", "hard", "to", "tell", "mediocre", "worst", "best", "love",
        "liked", "like", "ok'ish", "okish", "nope", "yep", "so-so",
        # Spanish
        "bien", "muy", "todo", "fue", "estuvo", "es", "esta", "bueno", "buena", "regular", "nada",
        "se", "ni", "mas", "menos", "o", "vale", "pues", "nose", "mal", "malo", "mala", "genial",
        "perfecto", "excelente", "igual", "lo", "de", "siempre", "como", "especial",
        "si", "la", "el", "experiencia", "correcto", "bastante", "estupendo",
    }
)  # fmt: skip
_SHORT = 6


def is_vague(text: str) -> bool:
    """True when the answer is empty or only general words, so a concrete example should be asked."""
    tokens = words(fold(text[:200]))
    if not tokens:
        return True
    return len(tokens) <= _SHORT and all(token in GENERAL_WORDS for token in tokens)
