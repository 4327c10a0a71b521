"""What differs between channels, in one table: the only place such facts live.

A use case asks the table (``facts(channel).phone_addressed``, ``INLINE``) instead of keeping its
own set of channels. The table holds the channels askwhy knows; a channel added at start-up (a
provider's adapter outside this package, `askwhy.channels.adapter.ChannelAdapter`) brings its own
row, which the composition root registers (`register`): nothing here changes for it. The sets
below (``INLINE``, ``PHONE_ADDRESSED``…) are views of the table, so they include such rows too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from askwhy.domain.conversation import Channel


@dataclass(frozen=True)
class ChannelFacts:
    """The facts about one channel that use cases act on."""

    inline: bool
    """Answered within the customer's own request (web chat, a call); otherwise by the outbox."""
    phone_addressed: bool
    """Customers are reached at a phone number."""
    web_chat: bool = False
    """Answered in the web chat (its conversation API, with a conversation token)."""
    email_addressed: bool = False
    """Customers are reached at an e-mail address."""
    invites: bool = False
    """A program may invite customers on it."""
    template_first: bool = False
    """A first message must be a provider-approved template (outside any reply window)."""
    reply_window: timedelta | None = None
    """How long after the customer's last message free-form replies may be sent; None: always."""
    consent_name: str | None = None
    """The name consent is recorded under for this channel (events API ``consents``)."""
    user_id_pattern: re.Pattern[str] | None = None
    """A provider-scoped user id accepted as an address in place of a phone number."""
    window_closed_codes: frozenset[str] = frozenset()
    """Error codes of a failed send or status that mean the reply window had closed."""
    twilio_address_prefix: str = ""
    """The prefix Twilio puts on this channel's addresses (``whatsapp:``); none for plain numbers."""


FACTS: dict[Channel, ChannelFacts] = {
    Channel.WEB: ChannelFacts(inline=True, phone_addressed=False, web_chat=True),
    Channel.TERMINAL: ChannelFacts(inline=True, phone_addressed=False),
    Channel.SIMULATED: ChannelFacts(inline=True, phone_addressed=False),
    Channel.IMPORT: ChannelFacts(inline=False, phone_addressed=False),
    Channel.VOICE: ChannelFacts(inline=True, phone_addressed=True, invites=True, consent_name="voice"),
    Channel.EMAIL: ChannelFacts(  # an e-mail invitation's link opens its conversation in the web chat
        inline=True,
        phone_addressed=False,
        email_addressed=True,
        invites=True,
        consent_name="email",
        web_chat=True,
    ),
    Channel.SMS: ChannelFacts(inline=False, phone_addressed=True, invites=True, consent_name="sms"),
    Channel.WHATSAPP: ChannelFacts(
        inline=False,
        phone_addressed=True,
        invites=True,
        template_first=True,
        reply_window=timedelta(hours=24),
        consent_name="whatsapp",
        # Business-scoped user id: country code, a dot, then letters and digits (ENT for a parent id).
        user_id_pattern=re.compile(r"[A-Z]{2}(\.ENT)?\.[A-Za-z0-9]+"),
        # Re-engagement message: more than 24 hours since the customer's last message.
        window_closed_codes=frozenset({"131047"}),
        twilio_address_prefix="whatsapp:",
    ),
}


def facts(channel: Channel) -> ChannelFacts:
    """The facts of ``channel``."""
    return FACTS[channel]


def register(name: str, row: ChannelFacts) -> Channel:
    """Make the channel ``name`` known with its facts (a channel added at start-up); registering
    the same row again is harmless, a different row for a known channel is refused."""
    channel = Channel.register(name)
    known = FACTS.get(channel)
    if known is not None and known != row:
        raise ValueError(f"channel {name!r} is already registered with other facts")
    FACTS[channel] = row
    return channel


class _Where(Set[Channel]):
    """The channels of the table whose facts pass a test, as they are when asked."""

    def __init__(self, test: Callable[[ChannelFacts], bool]) -> None:
        self._test = test

    def __contains__(self, channel: object) -> bool:
        row = FACTS.get(cast(Channel, channel)) if isinstance(channel, str) else None
        return row is not None and self._test(row)

    def __iter__(self) -> Iterator[Channel]:
        return (channel for channel, row in list(FACTS.items()) if self._test(row))

    def __len__(self) -> int:
        return sum(1 for _ in self)


INLINE: Set[Channel] = _Where(lambda row: row.inline)
"""Channels answered within the customer's request."""
PHONE_ADDRESSED: Set[Channel] = _Where(lambda row: row.phone_addressed)
"""Channels whose customers are reached at a phone number."""
INVITATION_CHANNELS: Set[Channel] = _Where(lambda row: row.invites)
"""Channels a program may invite customers on."""
WEB_CHAT: Set[Channel] = _Where(lambda row: row.web_chat)
"""Channels whose conversations the web chat may reach; WhatsApp, SMS and voice never."""
TEMPLATE_FIRST: Set[Channel] = _Where(lambda row: row.template_first)
"""Channels whose first message must be an approved template."""


def twilio_channel(addresses: tuple[str, ...], *, default: Channel) -> Channel:
    """The channel whose Twilio prefix one of ``addresses`` carries; ``default`` when none does."""
    for channel, row in list(FACTS.items()):
        prefix = row.twilio_address_prefix
        if prefix and any(address.startswith(prefix) for address in addresses):
            return channel
    return default


def consent_names() -> frozenset[str]:
    """Names consent can be recorded under, besides ``*`` for every channel."""
    return frozenset(row.consent_name for row in FACTS.values() if row.consent_name)
