"""Which channel senders are configured: each channel module is imported only when it is.

A channel module adds a `SenderBuilder` to `BUILDERS`: a check on the settings that needs no import,
and the dotted path of a ``build_sender(settings) -> Sender`` function. `bootstrap` calls
`build_senders` once; tests pass their own senders instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from askwhy.domain.conversation import Channel

if TYPE_CHECKING:
    from askwhy.channels.base import Sender
    from askwhy.settings import Settings


@dataclass(frozen=True)
class SenderBuilder:
    channel: Channel
    target: str
    """``"package.module:function"``; the function takes the settings and returns a `Sender`."""
    configured: Callable[[Settings], bool]
    """True when the settings hold what the channel needs (checked before importing the module)."""


def _whatsapp_configured(settings: Settings) -> bool:
    return settings.whatsapp_configured


def _twilio_sms_configured(settings: Settings) -> bool:
    return settings.twilio_configured and bool(
        settings.twilio_sms_from or settings.twilio_messaging_service_sid
    )


def _twilio_whatsapp_configured(settings: Settings) -> bool:
    # The Cloud API sender wins when both are set: it is registered first and this one steps aside.
    return (
        settings.twilio_configured
        and bool(settings.twilio_whatsapp_from)
        and not settings.whatsapp_configured
    )


def _twilio_voice_configured(settings: Settings) -> bool:
    return settings.twilio_configured and bool(settings.twilio_voice_from)


def _email_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.email_from)


BUILDERS: tuple[SenderBuilder, ...] = (
    SenderBuilder(Channel.WHATSAPP, "askwhy.channels.whatsapp.sender:build_sender", _whatsapp_configured),
    SenderBuilder(
        Channel.WHATSAPP, "askwhy.channels.twilio_sms:build_whatsapp_sender", _twilio_whatsapp_configured
    ),
    SenderBuilder(Channel.SMS, "askwhy.channels.twilio_sms:build_sender", _twilio_sms_configured),
    SenderBuilder(Channel.VOICE, "askwhy.channels.twilio_voice:build_sender", _twilio_voice_configured),
    SenderBuilder(Channel.EMAIL, "askwhy.channels.email:build_sender", _email_configured),
)
"""One builder per channel that sends through a provider (WhatsApp, SMS, voice, e-mail)."""


def build_senders(settings: Settings) -> dict[Channel, Sender]:
    """A sender for every channel whose settings are present; the rest stay unimported."""
    senders: dict[Channel, Sender] = {}
    for builder in BUILDERS:
        if not builder.configured(settings):
            continue
        module_name, _, function_name = builder.target.partition(":")
        build: Callable[[Settings], Sender] = getattr(importlib.import_module(module_name), function_name)
        senders[builder.channel] = build(settings)
    return senders
