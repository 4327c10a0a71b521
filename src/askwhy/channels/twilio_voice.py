"""Twilio Voice: invitation calls out, the call's webhooks in, and the TwiML said to the customer.

A call is a conversation held in TwiML: each question is ``<Say>`` inside a
``<Gather input="speech dtmf" actionOnEmptyResult="true">`` whose action posts the answer back
(``SpeechResult`` and ``Confidence`` for speech, ``Digits`` for the keypad, neither on silence).
With recorded answers (`record`), a question answered in the customer's own words is followed by
``<Record>``: its ``action`` posts when the caller stops (``RecordingUrl``, ``RecordingDuration``),
its ``recordingStatusCallback`` once the file can be downloaded, and the call holds (`hold`: a
one-second ``<Pause>`` and a ``<Redirect>``) until a worker has transcribed the answer and the
interviewer has replied. When nothing was recorded Twilio goes on to the verb after ``<Record>``,
a ``<Redirect>`` to the Gather action with no result: silence, as with a Gather.
The TwiML is built with the ``twilio`` package's `VoiceResponse`. Outbound calls are placed by
POSTing the Calls resource with askwhy's voice webhook as ``Url``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, Record, VoiceResponse

from askwhy.channels.base import (
    MAX_ADDRESS_CHARS,
    MAX_KEY_CHARS,
    MAX_PROVIDER_ID_CHARS,
    MAX_STATUS_CHARS,
    OutgoingMessage,
    SendError,
    SendResult,
    StatusEvent,
)
from askwhy.channels.twilio_api import TwilioApi, logged
from askwhy.channels.twilio_signature import FormParams
from askwhy.channels.twilio_sms import MAX_TEXT_CHARS, MalformedWebhook, api_from, bounded
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings

VOICE_PATH = "/webhooks/twilio/voice"
GATHER_PATH = "/webhooks/twilio/voice/gather"
STATUS_PATH = "/webhooks/twilio/voice/status"
RECORDED_PATH = "/webhooks/twilio/voice/recorded"
RECORDING_PATH = "/webhooks/twilio/voice/recording"
WAITING_PATH = "/webhooks/twilio/voice/waiting"
MAX_ANSWER_SECONDS = 120
"""The longest recorded answer; a caller still talking is cut off here."""
SILENCE_SECONDS = 4
"""Seconds of silence that end a recorded answer."""

DELIVERY_STATUS = {
    "queued": "sent",
    "initiated": "sent",
    "ringing": "sent",
    "in-progress": "delivered",
    "completed": "delivered",
    "busy": "failed",
    "no-answer": "failed",
    "failed": "failed",
    "canceled": "failed",
}
"""A call's status as the delivery status of the invitation it carried."""
NOT_CONNECTED = frozenset({"busy", "no-answer", "failed", "canceled"})
"""Final statuses of a call the customer never answered."""
ENDED = NOT_CONNECTED | {"completed"}

_LOCALES = {"en": "en-US", "es": "es-ES", "pt": "pt-BR"}
_NO_ANSWER_HEARD = {
    "en": "Sorry, I didn't catch anything.",
    "es": "Perdona, no he oído nada.",
}
_GOODBYE = {
    "en": "It seems this isn't a good moment. Thank you for your time, goodbye.",
    "es": "Parece que no es buen momento. Gracias por tu tiempo, adiós.",
}


@dataclass(frozen=True)
class CallEvent:
    """The parameters of a voice webhook askwhy uses."""

    call_sid: str
    status: str
    customer: str
    """The customer's number: the caller of an inbound call, the callee of an outbound one."""
    speech: str | None = None
    confidence: float | None = None
    digits: str | None = None
    recording_url: str | None = None
    """A recorded answer's file (``RecordingUrl``), on a ``<Record>`` action or its status callback."""
    recording_seconds: int | None = None
    recording_status: str | None = None
    """``RecordingStatus`` of a recording status callback: completed, absent or failed."""


class MalformedCall(ValueError):
    """The form is not a Twilio voice webhook."""


def parse_call(params: FormParams) -> CallEvent:
    """The call in a voice webhook (call, Gather action or status callback)."""
    try:
        call_sid = bounded(params, "CallSid", max_chars=MAX_PROVIDER_ID_CHARS)
        outbound = (params.text("Direction") or "inbound").startswith("outbound")
        customer = bounded(params, "To" if outbound else "From", max_chars=MAX_ADDRESS_CHARS) or ""
        status = bounded(params, "CallStatus", max_chars=MAX_STATUS_CHARS) or ""
        speech = bounded(params, "SpeechResult", max_chars=MAX_TEXT_CHARS)
        digits = bounded(params, "Digits", max_chars=MAX_TEXT_CHARS)
        recording_url = bounded(params, "RecordingUrl", max_chars=MAX_TEXT_CHARS)
        recording_status = bounded(params, "RecordingStatus", max_chars=MAX_STATUS_CHARS)
    except MalformedWebhook as exc:
        raise MalformedCall(str(exc)) from None
    if not call_sid:
        raise MalformedCall("a voice webhook needs CallSid")
    return CallEvent(
        call_sid=call_sid,
        status=status.lower(),
        customer=customer,
        speech=speech,
        confidence=_float(params.text("Confidence")),
        digits=digits,
        recording_url=recording_url,
        recording_seconds=_seconds(params.text("RecordingDuration")),
        recording_status=recording_status.lower() if recording_status else None,
    )


def invitation_status(call: CallEvent, *, idempotency_key: str | None, now: datetime) -> StatusEvent | None:
    """The invitation's delivery status from a call's status callback; None for calls askwhy did not place.

    Only an invitation call's callback carries askwhy's idempotency key (see `TwilioVoiceSender`).
    """
    if not idempotency_key or len(idempotency_key) > MAX_KEY_CHARS or call.status not in DELIVERY_STATUS:
        return None
    failed = DELIVERY_STATUS[call.status] == "failed"
    return StatusEvent(
        channel=Channel.VOICE,
        provider_message_id=call.call_sid,
        status=DELIVERY_STATUS[call.status],
        at=now,
        error_code=call.status if failed else None,
        error_reason=f"the call ended: {call.status}" if failed else None,
        idempotency_key=idempotency_key,
        raw={"CallSid": call.call_sid, "CallStatus": call.status},
    )


def locale(language: str) -> str:
    """The speech locale for a conversation language (``en`` → ``en-US``)."""
    return _LOCALES.get(language, f"{language}-{language.upper()}")


def ask(*, texts: Sequence[str], action_url: str, language: str, again: bool = False) -> str:
    """TwiML: say the texts inside a Gather that posts the answer (or the silence) to ``action_url``."""
    response = VoiceResponse()
    spoken_in = locale(language)
    gather = Gather(
        input="speech dtmf",
        action=action_url,
        method="POST",
        action_on_empty_result=True,
        speech_timeout="auto",
        language=spoken_in,
    )
    if again:
        gather.say(_NO_ANSWER_HEARD.get(language, _NO_ANSWER_HEARD["en"]), language=spoken_in)
    for text in texts:
        gather.say(text, language=spoken_in)
    response.append(gather)
    return str(response.to_xml())


def record(*, texts: Sequence[str], urls: RecordingUrls, language: str, again: bool = False) -> str:
    """TwiML: say the texts, record the answer, and treat an empty recording as silence."""
    response = VoiceResponse()
    spoken_in = locale(language)
    if again:
        response.say(_NO_ANSWER_HEARD.get(language, _NO_ANSWER_HEARD["en"]), language=spoken_in)
    for text in texts:
        response.say(text, language=spoken_in)
    response.append(
        Record(
            action=urls.recorded,
            method="POST",
            timeout=SILENCE_SECONDS,
            max_length=MAX_ANSWER_SECONDS,
            play_beep=False,
            trim="trim-silence",
            recording_status_callback=urls.recording,
            recording_status_callback_method="POST",
            recording_status_callback_event="completed absent",
        )
    )
    response.redirect(urls.silence, method="POST")
    return str(response.to_xml())


def hold(*, waiting_url: str) -> str:
    """TwiML: a second of quiet, then ask again whether the answer has been heard."""
    response = VoiceResponse()
    response.pause(length=1)
    response.redirect(waiting_url, method="POST")
    return str(response.to_xml())


@dataclass(frozen=True)
class RecordingUrls:
    """Where a recorded answer's callbacks go, each naming the conversation and the turn."""

    recorded: str
    recording: str
    silence: str


def recording_urls(*, base_url: str, conversation_id: str, turn: int, again: bool = False) -> RecordingUrls:
    """The callbacks of the ``<Record>`` answering question ``turn``."""
    query = {"conversation": conversation_id, "turn": str(turn)}
    base = base_url.rstrip("/")
    return RecordingUrls(
        recorded=f"{base}{RECORDED_PATH}?{urlencode(query)}",
        recording=f"{base}{RECORDING_PATH}?{urlencode(query)}",
        silence=gather_url(base_url=base_url, conversation_id=conversation_id, turn=turn, again=again),
    )


def waiting_url(*, base_url: str, conversation_id: str, turn: int, waited: int) -> str:
    """Where a call on hold asks whether the answer to ``turn`` has been heard (``waited`` seconds on)."""
    query = {"conversation": conversation_id, "turn": str(turn), "waited": str(waited)}
    return f"{base_url.rstrip('/')}{WAITING_PATH}?{urlencode(query)}"


def farewell(*, texts: Sequence[str], language: str) -> str:
    """TwiML: say the texts and hang up."""
    response = VoiceResponse()
    for text in texts:
        response.say(text, language=locale(language))
    response.hangup()
    return str(response.to_xml())


def goodbye_after_silence(language: str) -> str:
    """What is said, before hanging up, when the customer stayed silent after the re-ask."""
    return _GOODBYE.get(language, _GOODBYE["en"])


def gather_url(*, base_url: str, conversation_id: str, turn: int, again: bool = False) -> str:
    """Where a Gather posts its result: the conversation and the turn it answers, so a retry dedupes."""
    query = {"conversation": conversation_id, "turn": str(turn)}
    if again:
        query["again"] = "1"
    return f"{base_url.rstrip('/')}{GATHER_PATH}?{urlencode(query)}"


class TwilioVoiceSender:
    """Places an invitation call whose TwiML askwhy's voice webhook serves once the customer answers."""

    channel = Channel.VOICE

    def __init__(self, *, api: TwilioApi, from_number: str, base_url: str) -> None:
        self._api = api
        self._from = from_number
        self._base_url = base_url.rstrip("/")

    def send(self, message: OutgoingMessage) -> SendResult:
        key = message.idempotency_key
        if not message.conversation_id:
            raise SendError(
                "a call needs the conversation it belongs to", code="no_conversation", permanent=True
            )
        conversation = urlencode({"conversation": message.conversation_id})
        form = {
            "To": message.to,
            "From": self._from,
            "Url": f"{self._base_url}{VOICE_PATH}?{conversation}",
            "Method": "POST",
            "StatusCallback": f"{self._base_url}{STATUS_PATH}?{conversation}&{urlencode({'key': key})}",
            "StatusCallbackMethod": "POST",
        }
        try:
            created = self._api.create("Calls", form)
        except SendError as error:
            raise logged(error, channel="voice", conversation_id=message.conversation_id, key=key) from None
        return SendResult(provider_message_id=str(created["sid"]), status="sent")

    def close(self) -> None:
        self._api.close()


def build_sender(settings: Settings) -> TwilioVoiceSender:
    """The voice sender (the senders registry calls this when Twilio voice is configured)."""
    if not settings.twilio_voice_from:
        raise ValueError("Twilio voice needs ASKWHY_TWILIO_VOICE_FROM")
    return TwilioVoiceSender(
        api=api_from(settings), from_number=settings.twilio_voice_from, base_url=settings.public_base_url
    )


def _seconds(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 7 else None


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None
