"""What a reply asks of the interviewer besides answering: to stop, to get help, to change the score.

Each is heard anywhere in the reply, in English and Spanish: "great experience, that's all" and
"no comment" close; "my parcel is lost, can someone ring me?" asks for help, and "no need to call
me" refuses contact; "actually make that a 6" corrects the score. A reply that already proposes a
fix ("you should text me when it's late") is heard too, so the interviewer does not ask for one.
"""

from __future__ import annotations

import re

from askwhy.domain.scales import Scale
from askwhy.interview.scores import read_score
from askwhy.interview.text import fold, head

_END = r"(?=\s*(?:[.!,;:)\-]|$|thanks|thank you|thx|cheers|bye|gracias|adios|saludos))"
_CLOSING = re.compile(
    r"(?:^|[\s,.;!-])(?:"
    r"that'?s all|that is all|that'?s it|that is it|that'?ll be all|nothing else|nothing more"
    r"|nothing to add|nothing further|nothing more to add|no more to add|no(?:thing)? more to say"
    r"|no comments?|no further comments?|i'?d rather not say|rather not say|prefer not to say"
    r"|i'?m done|all done|i have nothing (?:else|more)|that covers it"
    r"|eso es todo|es todo|nada mas|nada que (?:agregar|anadir|decir)|no tengo nada mas(?: que decir)?"
    r"|sin comentarios|ningun comentario|prefiero no (?:decir|comentar|contestar|responder)(?:lo)?"
    r"|no quiero comentar|ya esta|eso seria todo|nada en especial|nada mas que decir"
    rf"){_END}"
)
_HELP = re.compile(
    r"\b(?:can|could|would|will|please|pls)\s+(?:someone|somebody|anyone|you|one of you|a person)"
    r"(?:\s+please)?\s+(?:call|ring|phone|contact|email|e-mail|help|get back to|reach out to) me\b"
    r"|\b(?:please\s+)?(?:call|ring|phone) me(?: back)?\b"
    r"|\b(?:i )?(?:need|want|would like|'d like) (?:some |urgent )?(?:help|assistance|a call|a callback)\b"
    r"|\b(?:speak|talk) (?:to|with) (?:a |an |some )?(?:human|person|real person|someone|somebody|agent"
    r"|manager|advisor)\b"
    r"|(?:^|[,.!?;]\s*|\bplease\s+|\bpls\s+)(?:contact|help|email|get in touch with) me\b"
    r"|\b(?:llamadme|llamame|llameme|llamenme|contactadme|contactame|contactenme|ayudadme|ayudame|ayudenme)\b"
    r"|\b(?:me )?(?:pueden|podrian|podeis|puede|podria|podrias|puedes)"
    r" (?:llamar|contactar|ayudar|escribir)(?:me)?\b"
    r"|\bque me (?:llame|llamen|contacte|contacten|ayude|ayuden)\b"
    r"|\bnecesito (?:ayuda|que me llamen|hablar con)\b"
    r"|\bhablar con (?:una persona|alguien|un agente|un humano|un responsable)\b"
)
_NOT_HELP = re.compile(
    r"(?:don'?t|do not|didn'?t|did not|won'?t|wouldn'?t|never|no|not|nobody|nadie|had to|has to|tried to"
    r"|needed to|promised to|supposed to|going to|forgot to|failed to|meant to|no need to"
    r"|(?:don'?t|do not) need (?:\w+ )?to|no hace falta|no es necesario)\s+(?:\w+\s+)?$"
)
_HELP_WORDS = (
    "call", "ring", "phone", "contact", "mail", "help", "get back", "reach out", "touch", "assist", "speak",
    "talk", "llam", "ayud", "escrib", "hablar",
)  # fmt: skip
"""Words every request for help, and every refusal of contact, holds: most replies have none and are
passed over with a few substring tests instead of the many alternatives of the patterns."""
_CONTACT_ME = r"(?:call|ring|phone|contact|email|e-mail|get back to|reach out to|get in touch with) me"
_REFUSAL = re.compile(
    rf"\bno need (?:for (?:anyone|someone|anybody|somebody|you) )?to {_CONTACT_ME}\b"
    rf"|\b(?:don'?t|do not) need (?:(?:anyone|someone|anybody|somebody|you|a person) )?to {_CONTACT_ME}\b"
    r"|\b(?:don'?t|do not) (?:need|want) (?:a call|a callback|a call back|to be (?:called|contacted))\b"
    r"|\bno (?:call|callback|call back|contact) (?:needed|necessary|required)\b"
    r"|\bno (?:hace falta|es necesario) (?:que me (?:llamen|llameis|llames|contacten|contacteis|contactes"
    r"|escriban|escribais|escribas)|llamarme|contactarme)\b"
    r"|\bno (?:quiero|necesito) (?:que me (?:llamen|llameis|llames|contacten|contacteis|contactes)"
    r"|(?:una |ninguna )?llamada|que nadie me (?:llame|contacte))\b"
)
_CORRECTION = re.compile(
    r"\b(?:actually|make (?:that|it)|change (?:it|that|my score|the score) to|i meant|i mean|correction"
    r"|scratch that|on second thought|en realidad|mejor (?:un|una|pon|ponle)|quise decir"
    r"|cambia(?:lo)? (?:a|por)"
    r"|ponle|corrijo)\b"
)
_SUGGESTION = re.compile(
    r"\b(?:should|shouldn'?t|could have|would be (?:nice|better|good|great|helpful)"
    r"|it'?d be (?:nice|better|good)|i wish|please (?:add|make|fix|bring|let)|needs? to"
    r"|you (?:could|must|might want to)|if you (?:could|had|would)"
    r"|suggest|deberian|deberia|podrian|podriais|seria (?:mejor|bueno|genial|util)|ojala|estaria bien"
    r"|sugiero|que (?:pongan|hagan|avisen|mejoren|anadan|arreglen))\b"
)


def closes(text: str) -> bool:
    """True when the reply says, anywhere, that the customer has nothing more to say."""
    return bool(_CLOSING.search(fold(head(text))))


def asks_for_help(text: str) -> bool:
    """True when the customer asks to be contacted or helped by a person."""
    folded = fold(head(text))
    if not any(word in folded for word in _HELP_WORDS):
        return False
    return any(
        not _NOT_HELP.search(folded[max(0, m.start() - 24) : m.start()]) for m in _HELP.finditer(folded)
    )


def refuses_contact(text: str) -> bool:
    """True when the customer says they do not want to be contacted ("no need to call me", "no hace
    falta que me llamen"), short of asking us to stop writing (that is an opt-out)."""
    folded = fold(head(text))
    return any(word in folded for word in _HELP_WORDS) and bool(_REFUSAL.search(folded))


def read_correction(text: str, scale: Scale) -> tuple[int, int] | None:
    """The corrected score and where its wording ends, for "actually make that a 6" and the like."""
    folded = fold(head(text))
    for match in _CORRECTION.finditer(folded):
        reading = read_score(text[match.end() : match.end() + 40], scale)
        if reading.value is not None and reading.start <= 6:
            return reading.value, match.end() + reading.end
    return None


def suggests_fix(text: str) -> bool:
    """True when the reply already proposes what would make things better."""
    return bool(_SUGGESTION.search(fold(head(text))))
