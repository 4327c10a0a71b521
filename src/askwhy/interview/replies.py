"""Short replies with a fixed meaning: "that's all" (stop probing), "yes" and "no" (to an offer)."""

from __future__ import annotations

from askwhy.interview.text import fold, words

_DONE = frozenset(
    {
        "that's all", "thats all", "that is all", "that's it", "thats it", "that is it", "nothing else",
        "nothing more", "no", "nope", "nah", "no thanks", "no thank you", "no that's all", "no thats all",
        "no that's it", "no nothing else", "nope that's all", "i'm done", "im done", "done", "all done",
        "not really", "no more", "that'll be all", "nothing to add", "nothing further", "no more to add",
        "eso es todo", "es todo", "nada mas", "no nada mas", "no gracias", "ya esta", "eso seria todo",
        "nada que agregar", "nada que anadir", "no eso es todo", "nada mas que decir", "ya no", "no nada",
    }
)  # fmt: skip
_THANKS = frozenset(
    {"thanks", "thank", "you", "thx", "cheers", "gracias", "muchas", "ok", "okay", "bye", "adios"}
)
_YES = frozenset(
    {"yes", "y", "yeah", "yea", "yep", "yup", "sure", "ok", "okay", "k", "please", "absolutely",
     "definitely", "certainly", "alright", "fine", "si", "claro", "vale", "dale", "bueno", "porfa",
     "perfecto", "afirmativo", "correcto"}
)  # fmt: skip
_YES_PHRASES = frozenset(
    {"of course", "por supuesto", "de acuerdo", "go ahead", "why not", "sounds good", "please do",
     "por favor", "happy to", "con gusto"}
)  # fmt: skip
_NO = frozenset({"no", "nope", "nah", "not", "never", "don't", "dont", "n", "nunca"})
_NO_PHRASES = frozenset({"mejor no", "ahora no", "not now", "rather not", "i'd rather", "id rather"})
_THUMBS_UP = ("\U0001f44d", "\u2705", "\U0001f44c")
_THUMBS_DOWN = ("\U0001f44e", "\u274c")


def is_done(text: str) -> bool:
    """True when the customer says there is nothing more to add."""
    key = " ".join(token for token in words(fold(text[:200])) if token not in _THANKS)
    return key in _DONE


def read_yes_no(text: str, *, choice_id: str | None = None) -> bool | None:
    """True for a clear yes, False for a clear no, None when the reply is neither."""
    if choice_id in ("yes", "no"):
        return choice_id == "yes"
    tokens = words(fold(text[:200]))
    if not tokens:
        return _read_emoji(text)
    first_two = " ".join(tokens[:2])
    if tokens[0] in _NO or first_two in _NO_PHRASES:
        return False
    if tokens[0] in _YES or first_two in _YES_PHRASES:
        return True
    return None


def _read_emoji(text: str) -> bool | None:
    if any(mark in text for mark in _THUMBS_DOWN):
        return False
    if any(mark in text for mark in _THUMBS_UP):
        return True
    return None
