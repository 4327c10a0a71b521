"""The optional LLM on channels answered by the queue (WhatsApp, SMS): a batch of waiting
conversations is worded before its write transaction, each reply in the LLM's words when it is
acceptable, in the rules' words when the LLM fails, and nothing asks an LLM without settings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import InboundEvent, RecordingSender
from askwhy.clock import FakeClock
from askwhy.conversations import inbound
from askwhy.domain.conversation import Channel, Inbound
from askwhy.interview import next_turn, open_conversation
from askwhy.programs.guides import load_guide
from askwhy.settings import Settings
from askwhy.store.tables import Message
from tests.conftest import GUIDES
from tests.fakes.openai_server import Answer, FakeOpenAI
from tests.invitations import invite_customer

WORDED = "Oh no, a late parcel is so frustrating. Can you tell me what happened with the delivery?"
PHONES = ("447700900301", "447700900302")


class HeldJobs:
    """Jobs that only remember nudges, so the test decides when the queue answers."""

    def nudge_after_commit(self, session: Any, name: str) -> None:
        pass


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _container(settings: Settings, clock: FakeClock, **overrides: object) -> Container:
    return bootstrap(
        settings.model_copy(update=overrides),
        clock=clock,
        senders={Channel.WHATSAPP: RecordingSender(Channel.WHATSAPP)},
        embedder=HashingEmbedder(),
    )


@pytest.fixture
def container(settings: Settings, clock: FakeClock, fake: FakeOpenAI) -> Iterator[Container]:
    built = _container(settings, clock, llm_base_url=f"{fake.base_url}/v1", llm_timeout_seconds=0.5)
    yield built
    built.close()


def _says(container: Container, phone: str, text: str) -> None:
    now = container.clock.now()
    event = InboundEvent(Channel.WHATSAPP, f"wamid.{phone}.{text}", phone, text, now)
    with container.sessions.begin() as session:
        jobs: Any = HeldJobs()
        inbound.accept_events(session=session, jobs=jobs, events=[event], now=now)


def _last_reply(container: Container, conversation_id: str) -> str:
    with container.sessions() as session:
        query = select(Message.text).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        return list(session.scalars(query))[-1]


def _to_the_probe(container: Container) -> list[str]:
    """Two WhatsApp customers who gave a 3 and then complained; returns their conversations."""
    invited = [invite_customer(container, phone=f"+{phone}", channel=Channel.WHATSAPP) for phone in PHONES]
    for phone in PHONES:
        _says(container, phone, "3")
    inbound.answer_waiting(ports=container.answering)
    for phone in PHONES:
        _says(container, phone, "my parcel was late")
    inbound.answer_waiting(ports=container.answering)
    return invited


def test_a_batch_of_waiting_replies_is_worded_by_the_llm(container: Container, fake: FakeOpenAI) -> None:
    fake.default = Answer(WORDED)
    invited = _to_the_probe(container)
    assert [_last_reply(container, c) for c in invited] == [WORDED, WORDED]
    assert len(fake.requests) == 2, "one request per conversation's probe, none for the why question"


@pytest.mark.parametrize(
    "answer",
    [Answer(status=500, raw="{}"), Answer(WORDED, delay=1.0), Answer(refusal="No.")],
    ids=["http-500", "late", "refusal"],
)
def test_a_failing_llm_leaves_the_rules_wording(
    container: Container, fake: FakeOpenAI, answer: Answer
) -> None:
    fake.default = answer
    invited = _to_the_probe(container)
    assert [_last_reply(container, c) for c in invited] == [_rules_reply()] * 2
    assert len(fake.requests) == 2


def test_without_llm_settings_the_queue_asks_no_llm(
    settings: Settings, clock: FakeClock, fake: FakeOpenAI
) -> None:
    plain = _container(settings, clock, llm_base_url=None)
    try:
        assert plain.answering.llm is None
        invited = _to_the_probe(plain)
        assert [_last_reply(plain, c) for c in invited] == [_rules_reply()] * 2
    finally:
        plain.close()
    assert fake.requests == []


def _rules_reply() -> str:
    """What the rules alone answer a 3 and "my parcel was late" (the interviewer is pure)."""
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    guide = load_guide(GUIDES / "post-checkout.yaml")
    turn = open_conversation(guide, language="en", now=now)
    for text in ("3", "my parcel was late"):
        turn = next_turn(guide, turn.state, Inbound(text), now)
    return turn.messages[-1].text
