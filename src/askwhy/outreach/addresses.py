"""Customers' addresses on channels, in one normal form so inbound messages find their conversation.

Phone channels (WhatsApp, SMS, voice) use E.164 with the leading ``+`` (``+15551234567``); WhatsApp's
user id is the same number without the ``+``, Twilio's WhatsApp addresses carry a ``whatsapp:``
prefix: both normalise to E.164. A WhatsApp business-scoped user id (``US.13491208655302741918``),
all WhatsApp shares for a customer who hides their number behind a username, is kept as it is.
E-mail addresses are lower-cased.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

import phonenumbers

from askwhy.domain.conversation import Channel

PHONE_CHANNELS = frozenset({Channel.WHATSAPP, Channel.SMS, Channel.VOICE})
WHATSAPP_USER_ID = re.compile(r"[A-Z]{2}(\.ENT)?\.[A-Za-z0-9]+")
"""A business-scoped user id: country code, a dot, then letters and digits (``ENT`` for a parent id)."""


def normalise_address(channel: Channel, raw: str) -> str:
    """The customer's address in the form askwhy stores it (``conversations.channel_address``)."""
    value = raw.strip()
    if channel is Channel.WHATSAPP and WHATSAPP_USER_ID.fullmatch(value):
        return value
    if channel in PHONE_CHANNELS:
        return normalise_phone(value)
    if channel is Channel.EMAIL:
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
    if channel in PHONE_CHANNELS and phone:
        return normalise_phone(phone)
    if channel is Channel.EMAIL and email:
        return normalise_address(channel, email)
    return None
