"""Twilio Voice pieces: call parameters, TwiML built with VoiceResponse, call statuses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from askwhy.channels import twilio_voice as voice
from askwhy.channels.twilio_signature import FormParams

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
SAMPLE_GATHER = (
    "AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX&ApiVersion=2010-04-01&CallSid=CA0123456789abcdef0123456789abcdef"
    "&CallStatus=in-progress&Called=%2B15558675310&Caller=%2B14017122661&Confidence=0.9235238&Direction=inbound"
    "&From=%2B14017122661&Language=en-US&SpeechResult=The+delivery+was+late+but+the+driver+was+friendly."
    "&To=%2B15558675310"
)


def test_a_gather_callback_gives_the_speech_and_its_confidence() -> None:
    call = voice.parse_call(FormParams.parse(SAMPLE_GATHER.encode()))
    assert call.call_sid == "CA0123456789abcdef0123456789abcdef"
    assert call.customer == "+14017122661"
    assert call.speech == "The delivery was late but the driver was friendly."
    assert call.confidence == 0.9235238
    assert call.digits is None


def test_the_customer_of_an_outbound_call_is_the_callee() -> None:
    params = FormParams.parse(b"CallSid=CA1&Direction=outbound-api&From=%2B15558675310&To=%2B4915112345678")
    assert voice.parse_call(params).customer == "+4915112345678"


def test_ask_says_the_texts_inside_a_speech_and_keypad_gather() -> None:
    action = voice.gather_url(base_url="https://x.example/", conversation_id="c1", turn=3)
    root = ET.fromstring(voice.ask(texts=["Hello.", "How likely?"], action_url=action, language="es"))
    [gather] = root.findall("Gather")
    assert gather.attrib == {
        "input": "speech dtmf",
        "action": "https://x.example/webhooks/twilio/voice/gather?conversation=c1&turn=3",
        "method": "POST",
        "actionOnEmptyResult": "true",
        "speechTimeout": "auto",
        "language": "es-ES",
    }
    assert [(s.text, s.attrib["language"]) for s in gather.iter("Say")] == [
        ("Hello.", "es-ES"),
        ("How likely?", "es-ES"),
    ]


def test_asking_again_says_so_first_and_marks_the_action() -> None:
    action = voice.gather_url(base_url="https://x.example", conversation_id="c1", turn=3, again=True)
    assert parse_qs(urlsplit(action).query) == {"conversation": ["c1"], "turn": ["3"], "again": ["1"]}
    root = ET.fromstring(voice.ask(texts=["How likely?"], action_url=action, language="en", again=True))
    assert [s.text for s in root.iter("Say")] == ["Sorry, I didn't catch anything.", "How likely?"]


def test_farewell_says_goodbye_and_hangs_up() -> None:
    root = ET.fromstring(voice.farewell(texts=["Thank you!"], language="en"))
    assert [child.tag for child in root] == ["Say", "Hangup"]


def test_an_invitation_calls_status_becomes_its_delivery_status() -> None:
    call = voice.CallEvent(call_sid="CA9", status="busy", customer="+1")
    event = voice.invitation_status(call, idempotency_key="k", now=NOW)
    assert event is not None
    assert (event.status, event.error_code, event.idempotency_key) == ("failed", "busy", "k")
    done = voice.invitation_status(voice.CallEvent("CA9", "completed", "+1"), idempotency_key="k", now=NOW)
    assert done is not None
    assert done.status == "delivered"
    assert voice.invitation_status(call, idempotency_key=None, now=NOW) is None
