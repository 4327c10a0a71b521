"""WhatsApp through Twilio: the Messages resource with ``whatsapp:`` addresses.

Used when a team reaches WhatsApp through its Twilio account instead of the Cloud API; inbound
messages arrive on the Twilio messaging webhook, which tells them from SMS by their addresses.
"""

from __future__ import annotations

from askwhy.channels.twilio_sms import STATUS_PATH, TwilioSmsSender, api_from
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings


def build_sender(settings: Settings) -> TwilioSmsSender:
    """The WhatsApp sender through Twilio (the senders registry calls this when it is configured)."""
    return TwilioSmsSender(
        api=api_from(settings),
        status_callback_url=settings.public_base_url.rstrip("/") + STATUS_PATH,
        from_number=settings.twilio_whatsapp_from,
        channel=Channel.WHATSAPP,
    )
