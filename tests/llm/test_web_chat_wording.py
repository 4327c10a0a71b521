"""The optional LLM in live web chat turns, against a local OpenAI-compatible server: its wording
reaches the customer when it is acceptable, and the rules' wording goes out in the same turn when
it is late, fails, refuses or strays; it is asked with no lock held; without LLM settings nothing
calls it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from askwhy import conversations
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel, Inbound
from askwhy.interview import next_turn, open_conversation
from askwhy.llm import OpenAICompatibleClient
from askwhy.programs.guides import load_guide
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store import conversations as conversation_queries
from tests.cases.helpers import say, start
from tests.fakes.openai_server import Answer, FakeOpenAI

GUIDE = load_guide(Path(__file__).resolve().parents[2] / "examples" / "guides" / "post-checkout.yaml")
TIMEOUT = 0.5
WORDED = "Oh no, a late parcel is so frustrating. Can you tell me what happened with the delivery?"
COMPLAINT = "my parcel was late"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _app(settings: Settings, clock: FakeClock, **overrides: object) -> Iterator[tuple[Container, TestClient]]:
    container = bootstrap(settings.model_copy(update=overrides), clock=clock)
    try:
        with TestClient(create_app(container)) as client:
            yield container, client
    finally:
        container.close()


@pytest.fixture
def chat(settings: Settings, clock: FakeClock, fake: FakeOpenAI) -> Iterator[TestClient]:
    """The web chat with ``ASKWHY_LLM_*`` pointing at the fake server."""
    overrides = {"llm_base_url": f"{fake.base_url}/v1", "llm_model": "local", "llm_timeout_seconds": TIMEOUT}
    for _, client in _app(settings, clock, **overrides):
        yield client


def _rules_reply(*answers: str) -> str:
    """What the rules alone say after these answers (the interviewer is pure and deterministic)."""
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    turn = open_conversation(GUIDE, language="en", now=now)
    for text in answers:
        turn = next_turn(GUIDE, turn.state, Inbound(text), now)
    return turn.messages[-1].text


def _complain(client: TestClient) -> dict:
    opened = start(client)
    say(client, opened, "3")
    return say(client, opened, COMPLAINT)


def test_the_llms_wording_reaches_the_customer(chat: TestClient, fake: FakeOpenAI) -> None:
    fake.answers.append(Answer(WORDED))
    opened = start(chat)
    assert say(chat, opened, "3")["messages"][-1]["question"] == "why"
    reply = say(chat, opened, COMPLAINT)
    assert reply["messages"][-1]["text"] == WORDED
    assert reply["messages"][-1]["question"] == "probe:theme:late-delivery"
    assert len(fake.requests) == 1, "only the probe is worded, not the rules' fixed why question"
    assert fake.requests[0]["model"] == "local"
    stored = chat.get(
        f"/v1/conversations/{opened['conversation_id']}",
        headers={"Authorization": f"Bearer {opened['token']}"},
    ).json()
    assert stored["messages"][-1]["text"] == WORDED


@pytest.mark.parametrize(
    "answer",
    [
        Answer(WORDED, delay=TIMEOUT + 0.5),
        Answer(refusal="I can't help with that."),
        Answer(""),
        Answer("By the way, have you tried our new loyalty app?"),
        Answer("Sorry to hear that. " * 15 + "What happened with the delivery?"),
        Answer(status=500, raw='{"error": {"message": "model crashed"}}'),
        Answer(raw="<html>Bad gateway</html>", status=502),
        Answer("What was the card number you paid with? Can you tell me what happened?"),
    ],
    ids=["late", "refusal", "empty", "off-topic", "too-long", "http-500", "not-json", "unsafe"],
)
def test_the_rules_wording_goes_out_when_the_llm_fails(
    chat: TestClient, fake: FakeOpenAI, answer: Answer
) -> None:
    fake.answers.append(answer)
    reply = _complain(chat)
    assert reply["status"] == "active"
    assert reply["messages"][-1]["text"] == _rules_reply("3", COMPLAINT)
    assert reply["messages"][-1]["question"] == "probe:theme:late-delivery"
    assert len(fake.requests) == 1, "the LLM was asked, and its answer was not used"


def test_the_llm_sees_no_contact_details_or_numbers(chat: TestClient, fake: FakeOpenAI) -> None:
    fake.answers.append(Answer(WORDED))
    opened = start(chat)
    say(chat, opened, "3")
    say(chat, opened, "parcel 4 days late, order 55512, call 07700 900123 or mail jo@example.com")
    (request,) = fake.requests
    prompt = "\n".join(message["content"] for message in request["messages"])
    for secret in ("55512", "07700", "900123", "jo@example.com", "4 days"):
        assert secret not in prompt
    assert "parcel" in prompt, "the redacted answer is still there to acknowledge"
    assert "late" in prompt


def test_without_llm_settings_nothing_calls_an_llm(
    settings: Settings, clock: FakeClock, fake: FakeOpenAI
) -> None:
    for container, client in _app(settings, clock, llm_base_url=None):
        assert container.llm is None
        reply = _complain(client)
        assert reply["messages"][-1]["text"] == _rules_reply("3", COMPLAINT)
    assert fake.requests == []


def test_llm_settings_build_the_client(settings: Settings, clock: FakeClock, fake: FakeOpenAI) -> None:
    for container, _ in _app(settings, clock, llm_base_url=f"{fake.base_url}/v1", llm_timeout_seconds=1.5):
        assert container.llm is not None
        assert isinstance(container.llm.client, OpenAICompatibleClient)
        assert container.llm.timeout == 1.5


class _DuringCall:
    """An LLM client that runs ``action`` (from another thread, as another request would) first."""

    def __init__(self, action: Callable[[], object], text: str = WORDED) -> None:
        self.action, self.text, self.outcome = action, text, "not run"

    def complete(self, prompt: str, *, timeout: float) -> str:
        def run() -> None:
            self.action()
            self.outcome = "done"

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(10)
        return self.text


def _with_llm(
    settings: Settings, clock: FakeClock, llm: _DuringCall
) -> Iterator[tuple[Container, TestClient]]:
    container = bootstrap(settings, clock=clock, llm=llm)
    try:
        with TestClient(create_app(container)) as client:
            yield container, client
    finally:
        container.close()


def test_the_llm_is_asked_with_no_lock_held(settings: Settings, clock: FakeClock) -> None:
    """While the LLM works, another transaction can take the same conversation's lock."""
    shared: dict[str, Any] = {}

    def lock_it() -> None:
        with shared["container"].sessions.begin() as session:
            assert conversation_queries.lock_conversation(session=session, conversation_id=shared["id"])

    llm = _DuringCall(lock_it)
    for container, client in _with_llm(settings, clock, llm):
        shared["container"] = container
        opened = start(client)
        shared["id"] = opened["conversation_id"]
        say(client, opened, "3")
        reply = say(client, opened, COMPLAINT)
    assert llm.outcome == "done", "the conversation's lock was free during the LLM call"
    assert reply["messages"][-1]["text"] == WORDED


def test_a_conversation_that_moved_during_the_call_gets_the_rules_wording(
    settings: Settings, clock: FakeClock
) -> None:
    """Another message of the customer was answered while the LLM worded this one: the wording,
    planned from the older state, is dropped and the turn is worded by the rules."""
    shared: dict[str, Any] = {}

    def another_message() -> None:
        container = shared["container"]
        with container.sessions.begin() as session:
            conversations.receive_message(
                session=session,
                guides=container.guides,
                conversation_id=shared["id"],
                inbound=Inbound("the box was crushed too"),
                channel=Channel.WEB,
                now=clock.now(),
            )

    llm = _DuringCall(another_message)
    for container, client in _with_llm(settings, clock, llm):
        shared["container"] = container
        opened = start(client)
        shared["id"] = opened["conversation_id"]
        say(client, opened, "3")
        reply = say(client, opened, COMPLAINT)
    assert llm.outcome == "done"
    assert reply["messages"][-1]["text"] != WORDED
    assert reply["messages"][-1]["text"] == _rules_reply("3", "the box was crushed too", COMPLAINT)


def test_without_an_llm_a_turn_reads_nothing_more() -> None:
    """With no LLM configured, wording a reply returns at once without opening a session."""

    def no_session() -> None:
        raise AssertionError("a session was opened")

    reads: Any = no_session
    reads.begin = no_session
    wording = conversations.word_reply(
        reads=reads, guides={}, llm=None, conversation_id="c", inbound=Inbound("late"), now=datetime.now(UTC)
    )
    assert wording is None
