"""Twilio Programmable Messaging: SMS, and WhatsApp through Twilio, in and out.

Inbound: Twilio posts a form (``Body``, ``From``, ``To``, ``MessageSid``, ``NumMedia``/``MediaUrl0``/
``MediaContentType0``; for WhatsApp also ``ProfileName`` and, for a tapped quick reply,
``ButtonPayload``/``ButtonText``). Addresses with a ``whatsapp:`` prefix are WhatsApp messages;
the prefix is dropped when the address is normalised to E.164. Status callbacks carry
``MessageStatus`` and ``ErrorCode``, plus the idempotency key askwhy put on the callback URL.

Twilio answers the standard SMS keywords itself (STOP and its synonyms, START/YES/UNSTOP, HELP),
so askwhy records them and never answers them a second time (`carrier_keyword`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from urllib.parse import urlencode

from twilio.twiml.messaging_response import MessagingResponse

from askwhy.channels.base import (
    MAX_ADDRESS_CHARS,
    MAX_CODE_CHARS,
    MAX_KEY_CHARS,
    MAX_PROVIDER_ID_CHARS,
    MAX_STATUS_CHARS,
    InboundEvent,
    OutgoingMessage,
    SendError,
    SendResult,
    StatusEvent,
    as_numbered_text,
    storable,
)
from askwhy.channels.twilio_api import TwilioApi, logged
from askwhy.channels.twilio_signature import FormParams
from askwhy.domain.channels import FACTS, facts, twilio_channel
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings

KEY_PARAM = "key"
"""Query parameter of the status callback URL that carries the message's idempotency key."""
STATUS_PATH = "/webhooks/twilio/status"


class CarrierKeyword(StrEnum):
    """A standard SMS keyword Twilio handles and confirms to the customer on its own."""

    OPT_OUT = "STOP"
    OPT_IN = "START"
    HELP = "HELP"


KEYWORDS: dict[str, CarrierKeyword] = {
    **dict.fromkeys(
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"),
        CarrierKeyword.OPT_OUT,
    ),
    **dict.fromkeys(("START", "YES", "UNSTOP"), CarrierKeyword.OPT_IN),
    **dict.fromkeys(("HELP", "INFO"), CarrierKeyword.HELP),
}
"""Twilio's default keywords: a message that is exactly one of them, in any case."""


MAX_TEXT_CHARS = 4096
"""Longer than Twilio's longest message (1,600 characters for SMS, 4,096 for WhatsApp)."""


class MalformedWebhook(ValueError):
    """The form is not a Twilio messaging webhook; the message says which parameter is missing."""


def empty_twiml() -> str:
    """``<Response/>``: Twilio sends nothing back; askwhy's answer goes out through the outbox."""
    return str(MessagingResponse().to_xml())


def channel_of(params: FormParams) -> Channel:
    """WhatsApp when Twilio's addresses carry its ``whatsapp:`` prefix (a fact of the channel
    table), SMS otherwise."""
    return twilio_channel((params.get("From", ""), params.get("To", "")), default=Channel.SMS)


def parse_message(params: FormParams, *, now: datetime) -> InboundEvent:
    """The inbound message in an incoming-message webhook."""
    message_sid = bounded(params, "MessageSid", "SmsMessageSid", "SmsSid", max_chars=MAX_PROVIDER_ID_CHARS)
    sender = bounded(params, "From", max_chars=MAX_ADDRESS_CHARS)
    if not message_sid or not sender:
        raise MalformedWebhook("an incoming message needs MessageSid and From")
    media = _media(params)
    payload = params.text("ButtonPayload")
    text = params.text("Body") or ""
    if len(text) > MAX_TEXT_CHARS:
        raise MalformedWebhook(f"Body is longer than {MAX_TEXT_CHARS} characters")
    if payload and not text:
        text = params.text("ButtonText") or payload
    return InboundEvent(
        channel=channel_of(params),
        provider_message_id=message_sid,
        sender=sender,
        text=text,
        received_at=now,
        media_type=media[0] if media else None,
        media_id=media[1] if media else None,
        choice_id=payload,
        recipient=params.text("To"),
        profile_name=params.text("ProfileName"),
    )


def parse_status(params: FormParams, *, now: datetime, idempotency_key: str | None) -> StatusEvent:
    """The delivery status in a status callback (``MessageStatus``; ``ErrorCode`` when it failed)."""
    message_sid = bounded(params, "MessageSid", "SmsSid", max_chars=MAX_PROVIDER_ID_CHARS)
    status = bounded(params, "MessageStatus", "SmsStatus", max_chars=MAX_STATUS_CHARS)
    if not message_sid or not status:
        raise MalformedWebhook("a status callback needs MessageSid and MessageStatus")
    error_code = bounded(params, "ErrorCode", max_chars=MAX_CODE_CHARS)
    if idempotency_key is not None and len(idempotency_key) > MAX_KEY_CHARS:
        idempotency_key = None  # not a key askwhy put on the callback URL
    return StatusEvent(
        channel=channel_of(params),
        provider_message_id=message_sid,
        status=status.lower(),
        at=now,
        error_code=error_code,
        error_reason=params.text("ErrorMessage") or (f"Twilio error {error_code}" if error_code else None),
        idempotency_key=idempotency_key,
        raw={storable(name): storable(params[name]) for name in params if name not in ("Body",)},
    )


def bounded(params: FormParams, *names: str, max_chars: int) -> str | None:
    """The first of the parameters present (stripped, storable); `MalformedWebhook` if too long."""
    for name in names:
        value = params.text(name)
        if value and len(value) > max_chars:
            raise MalformedWebhook(f"{name} is longer than {max_chars} characters")
        if value:
            return value
    return None


def carrier_keyword(params: FormParams) -> CarrierKeyword | None:
    """The SMS keyword Twilio already answered, if the message is one.

    With Advanced Opt-Out Twilio names it in ``OptOutType`` (custom and translated keywords too);
    otherwise the body is compared with Twilio's default keywords. WhatsApp has no such keywords.
    """
    if channel_of(params) is not Channel.SMS:
        return None
    named = (params.text("OptOutType") or "").upper()
    if named in CarrierKeyword.__members__.values():
        return CarrierKeyword(named)
    return KEYWORDS.get((params.text("Body") or "").upper())


def _media(params: FormParams) -> tuple[str, str] | None:
    """The kind (audio, image, video, document…) and URL of the first attachment, if any."""
    try:
        count = int(params.get("NumMedia") or 0)
    except ValueError:
        count = 0
    url = params.text("MediaUrl0")
    if count < 1 or not url:
        return None
    major = (params.text("MediaContentType0") or "application/octet-stream").split("/", 1)[0]
    return ("document" if major == "application" else major), url


class TwilioSmsSender:
    """Sends SMS, or another channel Twilio carries (WhatsApp), through the Messages resource."""

    def __init__(
        self,
        *,
        api: TwilioApi,
        status_callback_url: str,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        channel: Channel = Channel.SMS,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("a Twilio sender needs a From number or a Messaging Service SID")
        self.channel = channel
        self._api = api
        self._status_callback_url = status_callback_url
        self._from = _address(channel, from_number) if from_number else None
        self._service = messaging_service_sid

    def send(self, message: OutgoingMessage) -> SendResult:
        key = message.idempotency_key
        form = {
            "To": _address(self.channel, message.to),
            "Body": as_numbered_text(message.text, message.choices),
            "StatusCallback": f"{self._status_callback_url}?{urlencode({KEY_PARAM: key})}",
        }
        if self._service:
            form["MessagingServiceSid"] = self._service
        else:
            form["From"] = self._from or ""
        try:
            created = self._api.create("Messages", form)
        except SendError as error:
            conversation = message.conversation_id
            raise logged(error, channel=self.channel.value, conversation_id=conversation, key=key) from None
        return SendResult(provider_message_id=str(created["sid"]), status="sent")

    def close(self) -> None:
        self._api.close()


def _address(channel: Channel, address: str) -> str:
    bare = address.strip()
    for row in list(FACTS.values()):
        if row.twilio_address_prefix:
            bare = bare.removeprefix(row.twilio_address_prefix)
    return facts(channel).twilio_address_prefix + bare


def api_from(settings: Settings) -> TwilioApi:
    """The REST client the settings describe (account SID, auth token, base URL, timeout)."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise ValueError("Twilio needs ASKWHY_TWILIO_ACCOUNT_SID and ASKWHY_TWILIO_AUTH_TOKEN")
    return TwilioApi(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        base_url=settings.twilio_api_base_url,
        timeout_seconds=settings.twilio_timeout_seconds,
    )


def build_sender(settings: Settings) -> TwilioSmsSender:
    """The SMS sender (the senders registry calls this when Twilio SMS is configured)."""
    return TwilioSmsSender(
        api=api_from(settings),
        status_callback_url=settings.public_base_url.rstrip("/") + STATUS_PATH,
        from_number=settings.twilio_sms_from,
        messaging_service_sid=settings.twilio_messaging_service_sid,
    )
