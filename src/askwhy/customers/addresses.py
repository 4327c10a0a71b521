"""Customers' addresses on channels, in one normal form so inbound messages find their conversation.

Phone channels (WhatsApp, SMS, voice) use E.164 with the leading ``+`` (``+15551234567``); WhatsApp's
user id is the same number without the ``+``, Twilio's WhatsApp addresses carry a ``whatsapp:``
prefix: both normalise to E.164. A WhatsApp business-scoped user id (``US.13491208655302741918``),
all WhatsApp shares for a customer who hides their number behind a username, is kept as it is.
E-mail addresses are lower-cased.
"""

from __future__ import annotations

from email.utils import parseaddr

import phonenumbers

from askwhy.domain.channels import PHONE_ADDRESSED, facts
from askwhy.domain.conversation import Channel


def normalise_address(channel: Channel, raw: str) -> str:
    """The customer's address in the form askwhy stores it (``conversations.channel_address``)."""
    value = raw.strip()
    pattern = facts(channel).user_id_pattern
    if pattern is not None and pattern.fullmatch(value):
        return value
    if channel in PHONE_ADDRESSED:
        return normalise_phone(value)
    if facts(channel).email_addressed:
        return (parseaddr(value)[1] or value).lower()
    return value


def normalise_phone(raw: str) -> str:
    """E.164 (``+15551234567``) for anything that looks like an international number."""
    value = raw.removeprefix("whatsapp:").removeprefix("tel:").strip()
    digits = "".join(ch for ch in value if ch.isdigit())
    if not digits:
        return value
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return "+" + digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def address_for(channel: Channel, *, phone: str | None, email: str | None) -> str | None:
    """Where a customer with this phone and e-mail can be reached on ``channel``, if anywhere."""
    if channel in PHONE_ADDRESSED and phone:
        return normalise_phone(phone)
    if channel is Channel.EMAIL and email:
        return normalise_address(channel, email)
    return None
