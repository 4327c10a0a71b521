"""A channel added at start-up: everything askwhy needs of one provider, in one object.

A provider's package exports a `ChannelAdapter`: its row of facts (`askwhy.domain.channels`), the
builders of its senders, and how its webhook deliveries are verified and read. The composition
root registers it (``bootstrap(settings, channels=[...])``): the facts join the channel table, the
senders the configured ones, and the deliveries take the shared route (``POST /webhooks/{name}``)
and the same inbox as WhatsApp's. Nothing in the domain or the use cases changes for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from askwhy.channels.base import ReadDelivery, Sender
from askwhy.domain.channels import ChannelFacts
from askwhy.domain.conversation import Channel

if TYPE_CHECKING:
    from askwhy.settings import Settings

ChatLink = Callable[[str, datetime], str]
"""Makes the signed web chat link of a conversation (its id), stamped with a time."""


@dataclass(frozen=True)
class SenderNeeds:
    """What the composition root hands every sender builder besides the settings."""

    chat_link: ChatLink | None = None
    """Makes a conversation's signed web chat link (e-mail invitations carry one; the channel
    does not sign it: `askwhy.outreach.chat_links.link_maker`)."""


@dataclass(frozen=True)
class SenderBuilder:
    """How one channel's sender is built, and when it can be."""

    channel: Channel
    build: Callable[[Settings, SenderNeeds], Sender]
    """Imports the channel's module (only when it is configured) and builds its sender."""
    configured: Callable[[Settings], bool]
    """True when the settings hold what the channel needs (checked before importing the module)."""


@dataclass(frozen=True)
class Webhook:
    """How a provider's deliveries are checked and read, once each."""

    verify: Callable[[Settings, Mapping[str, str], bytes], bool]
    """True when the delivery (its headers, its raw body) is signed by the provider; False for
    a delivery that is not, or when the channel is not configured."""
    read: Callable[[bytes, datetime], ReadDelivery]
    """The delivery's events, read once (received at the given time); raises one of
    ``malformed`` for a body that is not the provider's delivery."""
    malformed: tuple[type[Exception], ...] = (ValueError,)


@dataclass(frozen=True)
class ChannelAdapter:
    """One provider added at start-up: its name, its facts, its senders and its webhook."""

    name: str
    """The channel's name, as stored with conversations and messages, and in its webhook's path."""
    facts: ChannelFacts
    senders: tuple[SenderBuilder, ...] = ()
    webhook: Webhook | None = None
