"""Hearing a customer say "stop", in English or Spanish, at any step of the conversation.

Two kinds of evidence count. A reply that is only an opt-out keyword, give or take politeness
("STOP", "stop please", "baja", "unsubscribe!"), and a clear phrase about our messages anywhere in
the reply ("stop messaging me", "leave me alone", "no me escribas más"). The word "stop" inside a
story does not count: "the delivery didn't stop being late" and "non-stop issues" are feedback.
"""

from __future__ import annotations

import re

from askwhy.interview.text import READ_LIMIT, fold, head, words

_KEYWORDS = frozenset(
    {
        "stop", "stopall", "stop all", "unsubscribe", "unsub", "cancel", "end", "quit", "optout",
        "opt out", "remove me", "leave me alone",
        "baja", "alto", "parar", "para ya", "basta", "cancelar", "desuscribir", "desuscribirme",
        "darme de baja", "dar de baja", "de baja", "la baja", "quiero la baja",
    }
)  # fmt: skip
_POLITENESS = frozenset(
    {"please", "pls", "plz", "now", "it", "just", "ok", "okay", "thanks", "thank", "you", "thx",
     "por", "favor", "porfa", "ya", "gracias", "me", "i", "want", "to", "quiero", "already"}
)  # fmt: skip
_OUR_MESSAGES = r"(?:messages?|texts?|sms|surveys?|emails?|mails?|notifications?|spam|this|these|stuff)"
_PHRASES = re.compile(
    "|".join(
        [
            r"\bstop (?:messaging|texting|contacting|emailing|calling|bothering|spamming"
            r"|bugging|pestering|writing to|messaging to) me\b",
            r"\bstop (?:sending|send)(?: me)? (?:these |this |your |the |any )?"
            rf"{_OUR_MESSAGES}\b",
            rf"\bno more {_OUR_MESSAGES}\b",
            r"\bleave me alone\b",
            r"\b(?:don'?t|do not|never) (?:message|text|contact|email|call|write to|bother) me\b",
            r"\b(?:opt|take|remove) me (?:out|off)\b",
            r"\bremove me from\b",
            r"\bi want to (?:unsubscribe|opt out)\b",
            r"\bno me (?:escribas|escriban|escribais|envies|envien|mandes|manden|contactes|contacten"
            r"|llames|llamen|molestes|molesten)\b",
            r"\bno (?:quiero|deseo) (?:recibir )?mas (?:mensajes|correos|encuestas|sms)\b",
            r"\bno mas (?:mensajes|correos|encuestas)\b",
            r"\bdej(?:a|e|en|ad)(?:me|nme)? en paz\b",
            r"\bdejame en paz\b",
            r"\bcancelar (?:la |mi )?(?:suscripcion|subscripcion)\b",
            r"\b(?:darme|dame|darse|dar) de baja\b",
            r"\bdej(?:a|en|e) de (?:escribirme|enviarme|mandarme|molestarme|contactarme|llamarme)\b",
            r"\bbasta de (?:mensajes|correos|encuestas)\b",
        ]
    )
)
# "They wouldn't leave me alone" and "they didn't stop calling me" are complaints, not requests.
_NEGATED = re.compile(r"(?:n't|not|never|dont|didnt|wouldnt|wont)\s$")
_SHORT_MENTION = re.compile(r"\b(?:unsubscribe|opt out|optout|desuscribirme|desuscribir)\b")
_SHORT = 6
_TAIL = 300


def is_opt_out(text: str) -> bool:
    """True when the reply asks us to stop contacting the customer."""
    tokens = words(fold(head(text)))
    if _is_only_keyword(tokens):
        return True
    spaced = " ".join(tokens)
    if len(tokens) <= _SHORT and _SHORT_MENTION.search(spaced):
        return True
    if len(text) > READ_LIMIT:
        # A long story may end with the request; read its last words too.
        spaced += " " + " ".join(words(fold(text[-_TAIL:])))
    return any(
        not _NEGATED.search(spaced, max(0, match.start() - 10), match.start())
        for match in _PHRASES.finditer(spaced)
    )


def _is_only_keyword(tokens: tuple[str, ...]) -> bool:
    meaningful = [token for token in tokens if token not in _POLITENESS]
    return bool(meaningful) and " ".join(meaningful) in _KEYWORDS
