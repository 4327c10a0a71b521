"""Twilio Voice through the real app: calls in and out, each answer a turn taken in the request,
silence re-asked once, hang-ups closing the conversation."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy import conversations
from askwhy.bootstrap import Container
from askwhy.conversations.voice_calls import heard, spoken
from askwhy.domain.conversation import Channel
from askwhy.store.tables import Conversation, Message, Response
from tests.channels.twilio_forms import (
    CUSTOMER,
    PUBLIC,
    call_form,
    post,
    sid,
)
from tests.fakes.twilio_api import FakeTwilioApi


@pytest.fixture
def app(twilio_app: TestClient) -> TestClient:
    """The app as Twilio reaches it through a proxy (see conftest)."""
    return twilio_app


def twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return ET.fromstring(response.text)


def said(root: ET.Element) -> list[str]:
    return [say.text or "" for say in root.iter("Say")]


def gather_path(root: ET.Element) -> str:
    """The Gather's action as a path with its query, for the test client (checked to be public)."""
    gather = root.find("Gather")
    assert gather is not None, ET.tostring(root)
    action = urlsplit(gather.attrib["action"])
    assert f"{action.scheme}://{action.netloc}" == PUBLIC
    return f"{action.path}?{action.query}"


def call_in(app: TestClient, call_sid: str) -> ET.Element:
    return twiml(post(app, "/webhooks/twilio/voice", call_form(call_sid)))


def answer(app: TestClient, root: ET.Element, call_sid: str, **result: str) -> ET.Element:
    form = call_form(call_sid, status="in-progress", **result)
    return twiml(post(app, gather_path(root), form))


def voice_inbound(container: Container) -> list[Message]:
    with container.sessions() as session:
        query = select(Message).where(Message.direction == "in").order_by(Message.id)
        return list(session.scalars(query))


def only_conversation(container: Container) -> Conversation:
    with container.sessions() as session:
        return session.scalars(select(Conversation)).one()


def taking_calls(container: Container) -> None:
    container.settings.twilio_voice_inbound_program = "post-checkout"


def test_an_inbound_call_is_greeted_with_the_question_inside_a_speech_and_keypad_gather(
    app: TestClient, twilio_container: Container
) -> None:
    taking_calls(twilio_container)
    root = call_in(app, sid("CA"))
    gather = root.find("Gather")
    assert gather is not None
    assert gather.attrib["input"] == "speech dtmf"
    assert gather.attrib["actionOnEmptyResult"] == "true"
    assert gather.attrib["speechTimeout"] == "auto"
    assert gather.attrib["language"] == "en-US"
    assert "recommend" in " ".join(said(gather)).lower()
    conversation = only_conversation(twilio_container)
    assert (conversation.channel, conversation.channel_address) == ("voice", CUSTOMER)
    query = parse_qs(urlsplit(gather.attrib["action"]).query)
    assert query["conversation"] == [conversation.id]


def test_without_a_program_for_inbound_calls_the_call_just_ends(
    app: TestClient, twilio_container: Container
) -> None:
    root = call_in(app, sid("CA"))
    assert root.find("Hangup") is not None
    assert root.find("Gather") is None


def test_a_spoken_nine_and_a_keyed_nine_both_score_nine(app: TestClient, twilio_container: Container) -> None:
    taking_calls(twilio_container)
    spoken_call, keyed_call = sid("CA"), sid("CA")
    first = call_in(app, spoken_call)
    after_speech = answer(app, first, spoken_call, SpeechResult="nine", Confidence="0.91")
    with twilio_container.sessions.begin() as session:
        session.scalars(select(Conversation)).one().status = "completed"  # the caller's next call is new
    second = call_in(app, keyed_call)
    after_digits = answer(app, second, keyed_call, Digits="9")
    with twilio_container.sessions() as session:
        scores = sorted(r.score for r in session.scalars(select(Response)))
    assert scores == [9, 9]
    for root in (after_speech, after_digits):
        assert root.find("Gather") is not None, "the interviewer asks why next"
        assert said(root)


def test_a_retried_gather_is_stored_once_and_said_again(app: TestClient, twilio_container: Container) -> None:
    taking_calls(twilio_container)
    call_sid = sid("CA")
    root = call_in(app, call_sid)
    first = answer(app, root, call_sid, SpeechResult="eight")
    retried = answer(app, root, call_sid, SpeechResult="eight")
    assert said(retried) == said(first)
    assert [m.provider_message_id for m in voice_inbound(twilio_container)] == [f"{call_sid}:1"]


def test_silence_is_asked_again_once_then_the_call_ends_politely(
    app: TestClient, twilio_container: Container
) -> None:
    taking_calls(twilio_container)
    call_sid = sid("CA")
    root = call_in(app, call_sid)
    again = answer(app, root, call_sid)
    assert said(again)[0] == "Sorry, I didn't catch anything."
    assert said(again)[1:] == said(root)
    assert parse_qs(urlsplit(gather_path(again)).query)["again"] == ["1"]
    goodbye = answer(app, again, call_sid)
    assert goodbye.find("Gather") is None
    assert goodbye.find("Hangup") is not None
    assert "goodbye" in said(goodbye)[0].lower()
    assert only_conversation(twilio_container).status == "abandoned"
    assert voice_inbound(twilio_container) == []


def test_an_answer_after_the_reask_is_taken(app: TestClient, twilio_container: Container) -> None:
    taking_calls(twilio_container)
    call_sid = sid("CA")
    again = answer(app, call_in(app, call_sid), call_sid)
    answer(app, again, call_sid, Digits="10")
    assert only_conversation(twilio_container).state["score"] == 10


def test_a_whole_call_is_stored_as_a_transcript_and_ends_with_a_goodbye(
    app: TestClient, twilio_container: Container
) -> None:
    taking_calls(twilio_container)
    call_sid = sid("CA")
    root = call_in(app, call_sid)
    answers = [
        "six",
        "the parcel arrived four days late and nobody told me",
        "I had to go to the depot to pick it up myself which took an afternoon",
        "tell me when it slips",
        "no that's all",
        "no",
    ]
    for text in answers:
        root = answer(app, root, call_sid, SpeechResult=text)
        if root.find("Gather") is None:
            break
    assert root.find("Hangup") is not None
    conversation = only_conversation(twilio_container)
    assert conversation.status == "completed"
    with twilio_container.sessions() as session:
        messages = session.scalars(select(Message).where(Message.conversation_id == conversation.id)).all()
        response = session.scalars(select(Response)).one()
    assert [m.direction for m in messages][:3] == ["out", "in", "out"]
    assert "four days late" in response.comment
    assert response.score == 6


def test_a_hang_up_mid_conversation_abandons_it(app: TestClient, twilio_container: Container) -> None:
    taking_calls(twilio_container)
    call_sid = sid("CA")
    answer(app, call_in(app, call_sid), call_sid, SpeechResult="seven")
    assert (
        post(app, "/webhooks/twilio/voice/status", call_form(call_sid, status="completed")).status_code == 200
    )
    conversation = only_conversation(twilio_container)
    assert conversation.status == "abandoned"
    assert conversation.ended_at is not None
    with twilio_container.sessions() as session:
        assert session.scalars(select(Response)).one().completion == "abandoned"


def invite_by_call(container: Container) -> str:
    with container.sessions.begin() as session:
        reply = conversations.start_conversation(
            session=session,
            guide=container.guides["post-checkout"],
            program="post-checkout",
            channel=Channel.VOICE,
            channel_address=CUSTOMER,
            now=container.clock.now(),
        )
    return reply.conversation_id


def test_an_invitation_call_is_placed_and_asks_its_question_when_answered(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    conversation_id = invite_by_call(twilio_container)
    [placed] = twilio.accepted("Calls")
    assert placed["To"] == CUSTOMER
    url = urlsplit(placed["Url"])
    call_sid = sid("CA")
    answered = post(app, f"{url.path}?{url.query}", call_form(call_sid, status="in-progress", outbound=True))
    root = twiml(answered)
    assert "recommend" in " ".join(said(root)).lower()
    answer(app, root, call_sid, Digits="3")
    with twilio_container.sessions() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        assert conversation.state["score"] == 3


def test_an_unanswered_invitation_call_fails_its_conversation_and_its_message(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    conversation_id = invite_by_call(twilio_container)
    [placed] = twilio.accepted("Calls")
    callback = urlsplit(placed["StatusCallback"])
    with twilio_container.sessions() as session:
        opening = session.scalars(select(Message)).one()
        call_sid = opening.provider_message_id
    assert call_sid is not None
    assert call_sid.startswith("CA")
    form = call_form(call_sid, status="no-answer", outbound=True)
    assert post(app, f"{callback.path}?{callback.query}", form).status_code == 200
    with twilio_container.sessions() as session:
        conversation = session.get(Conversation, conversation_id)
        message = session.get(Message, opening.id)
        assert conversation is not None
        assert message is not None
        assert conversation.status == "failed"
        assert (message.status, message.error_code) == ("failed", "no-answer")


def test_voice_webhooks_need_twilios_signature(app: TestClient, twilio_container: Container) -> None:
    taking_calls(twilio_container)
    form = call_form(sid("CA"))
    internal = "http://askwhy-internal:8000/webhooks/twilio/voice"
    assert post(app, "/webhooks/twilio/voice", form, signed_url=internal).status_code == 403
    assert app.post("/webhooks/twilio/voice", data=form).status_code == 403
    with twilio_container.sessions() as session:
        assert session.scalars(select(Conversation)).all() == []


def test_keypad_digits_pick_named_choices_and_are_scores_otherwise() -> None:
    yes_no = [{"id": "yes", "title": "Yes, please"}, {"id": "no", "title": "No, thanks"}]
    picked = heard(speech=None, digits="2", choices=yes_no)
    assert picked is not None
    assert (picked.text, picked.choice_id) == ("No, thanks", "no")
    scores = [{"id": str(n), "title": str(n)} for n in range(11)]
    keyed = heard(speech=None, digits="10", choices=scores)
    assert keyed is not None
    assert (keyed.text, keyed.choice_id) == ("10", None)
    assert heard(speech="  ", digits=None, choices=scores) is None
    assert spoken("May we call you?", yes_no) == "May we call you? 1. Yes, please 2. No, thanks"
    assert spoken("How likely?", scores) == "How likely?"
