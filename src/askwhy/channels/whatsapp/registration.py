"""How WhatsApp is sent: the Cloud API when it is configured, otherwise Twilio if it carries it.

The senders registry takes these builders in this order; each imports its transport only when its
settings are present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from askwhy.channels.adapter import SenderBuilder, SenderNeeds
from askwhy.domain.conversation import Channel

if TYPE_CHECKING:
    from askwhy.channels.base import Sender
    from askwhy.settings import Settings


def _cloud_api_configured(settings: Settings) -> bool:
    return settings.whatsapp_configured


def _twilio_configured(settings: Settings) -> bool:
    # The Cloud API sender wins when both are set: it is registered first and this one steps aside.
    return (
        settings.twilio_configured
        and bool(settings.twilio_whatsapp_from)
        and not settings.whatsapp_configured
    )


def _cloud_api(settings: Settings, needs: SenderNeeds) -> Sender:
    from askwhy.channels.whatsapp.sender import build_sender

    return build_sender(settings)


def _twilio(settings: Settings, needs: SenderNeeds) -> Sender:
    from askwhy.channels.whatsapp.twilio import build_sender

    return build_sender(settings)


BUILDERS: tuple[SenderBuilder, ...] = (
    SenderBuilder(Channel.WHATSAPP, _cloud_api, _cloud_api_configured),
    SenderBuilder(Channel.WHATSAPP, _twilio, _twilio_configured),
)
"""WhatsApp's senders, the Cloud API first."""
