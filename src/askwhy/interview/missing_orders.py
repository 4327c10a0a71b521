"""A customer reporting an order, parcel or refund that never came: a promise the company has not
kept, which a person should follow up even if the customer did not ask for a call.

Heard in English and Spanish ("my order 12345 is missing", "I never got my refund", "mi pedido no
ha llegado"). The reading errs towards opening a case: a person checking one that turned up in
the end costs less than a customer left waiting for what they paid for.
"""

from __future__ import annotations

import re

from askwhy.interview.text import fold, head

_NUMBER = r"(?:\s+(?:no\.?\s*)?#?[\w-]*\d[\w-]*)?"
"""An order number after the noun: "order 12345", "order #A-778", "order no. 443"."""
_THING = r"(?:order|parcel|package|delivery|refund|item|items|money|shipment|replacement)"
_COSA = r"(?:pedido|paquete|envio|reembolso|devolucion|dinero|compra)"
_MISSING = re.compile(
    rf"\b{_THING}{_NUMBER}\s+(?:is|was|has been|got|went|still)\s+(?:still\s+)?"
    r"(?:missing|lost|not (?:here|arrived|delivered|received)|never (?:arrived|delivered|came))\b"
    rf"|\b{_THING}{_NUMBER}\s+(?:never|still (?:hasn'?t|has not)|hasn'?t|has not|didn'?t|did not)\s+"
    r"(?:arrive[ds]?|come|came|turn(?:ed)? up|show(?:n|ed)? up|reach(?:ed)? me"
    r"|been (?:delivered|received|paid))\b"
    rf"|\bnever (?:got|received|saw|had)\s+(?:my|the|our|a|any)\s+(?:\w+\s+)?{_THING}\b"
    rf"|\b(?:missing|lost)\s+(?:\w+\s+)?{_THING}\b"
    rf"|\b(?:lost|misplaced)\s+(?:my|our|the)\s+(?:\w+\s+)?{_THING}\b"
    rf"|\bstill (?:waiting|wait) (?:for|on) (?:my|the|our|a)\s+(?:\w+\s+)?{_THING}\b"
    rf"|\b{_COSA}{_NUMBER}\s+(?:todavia |aun )?(?:no (?:ha )?(?:llegado|llego|aparecido|aparece)"
    r"|nunca (?:llego|ha llegado)|se (?:ha )?perdido|esta perdido|se perdio)\b"
    rf"|\bno (?:he |hemos )?recibido (?:mi |el |la |nuestro |nuestra |ningun )?{_COSA}\b"
    rf"|\bno me (?:ha )?llegado (?:mi |el |la )?{_COSA}\b"
    rf"|\bsigo esperando (?:mi |el |la )?{_COSA}\b"
)
_NOUNS = (
    "order", "parcel", "package", "deliver", "refund", "item", "money", "shipment", "replacement", "pedido",
    "paquete", "envio", "reembolso", "devolucion", "dinero", "compra",
)  # fmt: skip
"""Every report names one of these: a reply without any is passed over with a few substring tests."""
_NEGATED = re.compile(r"\b(?:no|not|nothing|without|never any|ningun|ninguna|sin)\s+$")


def reports_missing_order(text: str) -> bool:
    """True when the reply says an order, parcel or refund the customer is owed has not arrived."""
    folded = fold(head(text))
    if not any(noun in folded for noun in _NOUNS):
        return False
    return any(
        not _NEGATED.search(folded[max(0, m.start() - 12) : m.start()]) for m in _MISSING.finditer(folded)
    )
