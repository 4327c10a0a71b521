"""Which channel senders are configured: each channel module is imported only when it is.

A channel askwhy ships adds a `SenderBuilder` to `BUILDERS`: a check on the settings that needs no
import, and a function that imports the channel's module and builds its sender. A channel added at
start-up brings its builders in its `askwhy.channels.adapter.ChannelAdapter`. `bootstrap` calls
`build_senders` once, with what builders need besides the settings (`SenderNeeds`); tests pass
their own senders instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from askwhy.channels.adapter import ChannelAdapter, SenderBuilder, SenderNeeds
from askwhy.channels.whatsapp.registration import BUILDERS as WHATSAPP
from askwhy.domain.conversation import Channel

if TYPE_CHECKING:
    from askwhy.channels.base import Sender
    from askwhy.settings import Settings


def _twilio_sms_configured(settings: Settings) -> bool:
    return settings.twilio_configured and bool(
        settings.twilio_sms_from or settings.twilio_messaging_service_sid
    )


def _twilio_voice_configured(settings: Settings) -> bool:
    return settings.twilio_configured and bool(settings.twilio_voice_from)


def _email_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.email_from)


def _twilio_sms(settings: Settings, needs: SenderNeeds) -> Sender:
    from askwhy.channels.twilio_sms import build_sender

    return build_sender(settings)


def _twilio_voice(settings: Settings, needs: SenderNeeds) -> Sender:
    from askwhy.channels.twilio_voice import build_sender

    return build_sender(settings)


def _email(settings: Settings, needs: SenderNeeds) -> Sender:
    from askwhy.channels.email import build_sender

    return build_sender(settings, link_for=needs.chat_link)


BUILDERS: tuple[SenderBuilder, ...] = (
    *WHATSAPP,
    SenderBuilder(Channel.SMS, _twilio_sms, _twilio_sms_configured),
    SenderBuilder(Channel.VOICE, _twilio_voice, _twilio_voice_configured),
    SenderBuilder(Channel.EMAIL, _email, _email_configured),
)
"""One builder per channel that sends through a provider (WhatsApp, SMS, voice, e-mail)."""


def build_senders(
    settings: Settings,
    *,
    needs: SenderNeeds | None = None,
    builders: tuple[SenderBuilder, ...] = BUILDERS,
    added: tuple[ChannelAdapter, ...] = (),
) -> dict[Channel, Sender]:
    """A sender for every channel whose settings are present, the ``added`` channels' too; the
    rest stay unimported."""
    needs = needs or SenderNeeds()
    senders: dict[Channel, Sender] = {}
    for builder in (*builders, *(builder for adapter in added for builder in adapter.senders)):
        if builder.configured(settings):
            senders[builder.channel] = builder.build(settings, needs)
    return senders
