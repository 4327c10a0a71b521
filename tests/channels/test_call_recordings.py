"""Recorded call answers (ASKWHY_VOICE_TRANSCRIPTION=recorded) through the real app and the fake
Twilio API: an answer in the caller's words is recorded, downloaded with the account's
credentials, transcribed on the queue (the scripted transcriber), deleted at Twilio and replied to
while the call holds; scores stay gathered; silence and an unheard answer are asked again."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.analysis.scripted_speech import recording
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.tables import Conversation, Message
from tests.channels.test_twilio_voice_route import answer, call_in, gather_path, said, taking_calls, twiml
from tests.channels.twilio_forms import PUBLIC, call_form, post, sid, twilio_settings
from tests.fakes.twilio_api import FakeTwilioApi


@pytest.fixture
def recorded(twilio_container: Container) -> Iterator[TestClient]:
    twilio_container.settings.voice_transcription = "recorded"
    twilio_container.settings.speech_engine = "scripted"
    taking_calls(twilio_container)
    with TestClient(create_app(twilio_container), base_url="http://askwhy-internal:8000") as client:
        yield client


def path_of(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
    return f"{parts.path}?{parts.query}"


def the_record(root: ET.Element) -> ET.Element:
    record = root.find("Record")
    assert record is not None, ET.tostring(root)
    return record


def to_the_why_question(app: TestClient, call_sid: str) -> ET.Element:
    """Call in and give a score (gathered, as scores always are): the reply asks why, recorded."""
    score = call_in(app, call_sid)
    assert score.find("Gather") is not None
    assert score.find("Record") is None
    return answer(app, score, call_sid, SpeechResult="six")


def stop_talking(
    app: TestClient, why: ET.Element, call_sid: str, recording_url: str, seconds: str = "6"
) -> ET.Element:
    form = call_form(call_sid, status="in-progress", RecordingUrl=recording_url, RecordingDuration=seconds)
    return twiml(post(app, path_of(the_record(why).attrib["action"]), form))


def recording_ready(app: TestClient, why: ET.Element, call_sid: str, recording_url: str) -> None:
    form = {
        "AccountSid": call_form(call_sid)["AccountSid"], "CallSid": call_sid,
        "RecordingSid": recording_url.rsplit("/", 1)[-1], "RecordingUrl": recording_url,
        "RecordingStatus": "completed", "RecordingDuration": "6", "RecordingChannels": "1",
        "RecordingSource": "RecordVerb",
    }  # fmt: skip
    response = post(app, path_of(the_record(why).attrib["recordingStatusCallback"]), form)
    assert response.status_code == 200, response.text


def still_waiting(app: TestClient, root: ET.Element, call_sid: str) -> ET.Element:
    assert root.find("Pause") is not None
    redirect = root.find("Redirect")
    assert redirect is not None
    assert redirect.text
    return twiml(post(app, path_of(redirect.text), call_form(call_sid, status="in-progress")))


def answers_of(container: Container) -> list[Message]:
    with container.sessions() as session:
        return list(session.scalars(select(Message).where(Message.direction == "in").order_by(Message.seq)))


def test_a_recorded_answer_is_downloaded_transcribed_deleted_at_twilio_and_replied_to(
    recorded: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    call_sid, recording_sid = sid("CA"), sid("RE")
    why = to_the_why_question(recorded, call_sid)
    record = the_record(why)
    assert record.attrib["playBeep"] == "false"
    assert record.attrib["recordingStatusCallbackEvent"] == "completed absent"
    assert why.find("Gather") is None
    url = twilio.recording_url(recording_sid)
    twilio.media.put(recording_sid, recording("the parcel arrived four days late", language="en"))
    holding = stop_talking(recorded, why, call_sid, url)
    holding = still_waiting(recorded, holding, call_sid)  # the file is not announced yet
    assert parse_qs(urlsplit(holding.find("Redirect").text or "").query)["waited"] == ["2"]  # type: ignore[union-attr]
    recording_ready(recorded, why, call_sid, url)
    reply = still_waiting(recorded, holding, call_sid)
    assert said(reply)
    assert reply.find("Pause") is None
    assert twilio.media.downloads == [recording_sid]
    assert twilio.deleted == [recording_sid]
    [_, words] = answers_of(twilio_container)
    assert (words.text, words.media_type) == ("the parcel arrived four days late", None)
    assert (
        words.provider_message_id
        == f"{call_sid}:{parse_qs(urlsplit(record.attrib['action']).query)['turn'][0]}"
    )
    assert words.payload["voice_note"]["status"] == "transcribed"


def test_the_provider_retrying_the_status_callback_stores_the_answer_once(
    recorded: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    call_sid, recording_sid = sid("CA"), sid("RE")
    why = to_the_why_question(recorded, call_sid)
    url = twilio.recording_url(recording_sid)
    twilio.media.put(recording_sid, recording("too slow", language="en"))
    recording_ready(recorded, why, call_sid, url)
    recording_ready(recorded, why, call_sid, url)
    assert [m.text for m in answers_of(twilio_container)] == ["six", "too slow"]


def test_an_answer_that_cannot_be_heard_is_asked_for_again_and_recorded_again(
    recorded: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    call_sid, recording_sid = sid("CA"), sid("RE")
    why = to_the_why_question(recorded, call_sid)
    url = twilio.recording_url(recording_sid)
    twilio.media.put(recording_sid, recording("", confidence=0.0))
    holding = stop_talking(recorded, why, call_sid, url)
    recording_ready(recorded, why, call_sid, url)
    again = still_waiting(recorded, holding, call_sid)
    assert said(again)[0] == "Sorry, I couldn't make that out. Could you say it again?"
    assert said(again)[1:] == said(why)
    assert the_record(again).attrib["action"] != the_record(why).attrib["action"], "a new turn"
    assert "type" not in " ".join(said(again)).lower()


def test_an_empty_recording_is_silence_asked_again_once(
    recorded: TestClient, twilio_container: Container
) -> None:
    call_sid = sid("CA")
    why = to_the_why_question(recorded, call_sid)
    again = stop_talking(recorded, why, call_sid, "", seconds="0")
    assert said(again)[0] == "Sorry, I didn't catch anything."
    assert the_record(again) is not None
    redirect = again.find("Redirect")
    assert redirect is not None
    assert parse_qs(urlsplit(redirect.text or "").query)["again"] == ["1"]
    goodbye = twiml(post(recorded, path_of(redirect.text or ""), call_form(call_sid, status="in-progress")))
    assert goodbye.find("Hangup") is not None
    with twilio_container.sessions() as session:
        assert session.scalars(select(Conversation)).one().status == "abandoned"


def test_a_recording_url_off_the_twilio_api_is_refused_and_nothing_is_stored(
    recorded: TestClient, twilio_container: Container
) -> None:
    call_sid = sid("CA")
    why = to_the_why_question(recorded, call_sid)
    form = {
        "CallSid": call_sid,
        "RecordingUrl": "https://attacker.example/Recordings/RE1",
        "RecordingStatus": "completed",
    }
    response = post(recorded, path_of(the_record(why).attrib["recordingStatusCallback"]), form)
    assert response.status_code == 400
    assert [m.text for m in answers_of(twilio_container)] == ["six"]


def test_with_the_providers_recognition_the_why_question_is_gathered(
    twilio_app: TestClient, twilio_container: Container
) -> None:
    taking_calls(twilio_container)
    call_sid = sid("CA")
    why = answer(twilio_app, call_in(twilio_app, call_sid), call_sid, SpeechResult="six")
    assert why.find("Record") is None
    assert gather_path(why)


def test_the_callback_request_only_enqueues_and_a_worker_transcribes(
    settings: Settings, clock: FakeClock, twilio: FakeTwilioApi
) -> None:
    update = {"voice_transcription": "recorded", "speech_engine": "scripted", "queue_inline": False}
    container = bootstrap(twilio_settings(settings, twilio).model_copy(update=update), clock=clock)
    taking_calls(container)
    queue = container.jobs.huey
    call_sid, recording_sid = sid("CA"), sid("RE")
    url = twilio.recording_url(recording_sid)
    twilio.media.put(recording_sid, recording("nobody called me back", language="en"))
    with TestClient(create_app(container), base_url="http://askwhy-internal:8000") as app:
        why = to_the_why_question(app, call_sid)
        holding = stop_talking(app, why, call_sid, url)
        recording_ready(app, why, call_sid, url)
        assert queue.pending_count() > 0, "the request queued the work"
        assert twilio.media.downloads == [], "the request downloaded the recording"
        holding = still_waiting(app, holding, call_sid)
        assert holding.find("Pause") is not None, "the call holds while the answer waits for a worker"
        while (task := queue.dequeue()) is not None:  # what a worker does
            queue.execute(task)
        reply = still_waiting(app, holding, call_sid)
    assert twilio.media.downloads == [recording_sid]
    assert said(reply)
    assert reply.find("Pause") is None
    container.close()


def test_with_no_speech_engine_the_why_question_is_gathered_even_when_recording_is_asked_for(
    recorded: TestClient, twilio_container: Container
) -> None:
    twilio_container.settings.speech_engine = "off"
    call_sid = sid("CA")
    why = answer(recorded, call_in(recorded, call_sid), call_sid, SpeechResult="six")
    assert why.find("Record") is None
    assert gather_path(why)
