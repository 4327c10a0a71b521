"""Batches of turns: one transaction answers many conversations, each one's messages once and in
order; a conversation another worker holds is left to it, and a failing one stays waiting alone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from askwhy import conversations
from askwhy.bootstrap import Container
from askwhy.channels.base import InboundEvent
from askwhy.clock import FakeClock
from askwhy.conversations import inbound
from askwhy.domain.conversation import Channel
from askwhy.store import conversations as conversation_queries
from askwhy.store.tables import Contact, Conversation, Message, Response
from tests.invitations import invite_customer

PHONES = ("447700900201", "447700900202", "447700900203")


class HeldJobs:
    """Jobs that only remember nudges, so a test decides when the queue answers."""

    def nudge_after_commit(self, session: Any, name: str) -> None:
        pass


@pytest.fixture
def invited(container: Container) -> list[str]:
    """A WhatsApp conversation per phone, each with a contact, its opening question asked."""
    return [invite_customer(container, phone=f"+{phone}", channel=Channel.WHATSAPP) for phone in PHONES]


@pytest.fixture
def closed_responses(container: Container) -> Iterator[list[set[str]]]:
    """The responses each committing transaction reported closed (to be analysed)."""
    seen: list[set[str]] = []

    def record(session: Session) -> None:
        if closed := session.info.get(conversations.RESPONSES_CLOSED):
            seen.append(set(closed))

    event.listen(container.sessions, "before_commit", record)
    yield seen
    event.remove(container.sessions, "before_commit", record)


def says(container: Container, clock: FakeClock, phone: str, *texts: str) -> None:
    for text in texts:
        message = InboundEvent(Channel.WHATSAPP, f"wamid.{phone}.{text}", phone, text, clock.now())
        with container.sessions.begin() as session:
            jobs: Any = HeldJobs()
            inbound.accept_events(session=session, jobs=jobs, events=[message], now=clock.now())


def lines(container: Container, conversation_id: str) -> list[tuple[int, str, str, bool]]:
    with container.sessions() as session:
        rows = session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        )
        return [(row.seq, row.direction, row.text, row.processed_at is not None) for row in rows]


def waiting(container: Container) -> int:
    with container.sessions() as session:
        query = select(Message).where(Message.direction == "in", Message.processed_at.is_(None))
        return len(session.scalars(query).all())


def test_one_batch_answers_every_conversation_its_messages_once_in_order(
    container: Container, clock: FakeClock, invited: list[str], closed_responses: list[set[str]]
) -> None:
    says(container, clock, PHONES[0], "3", "the parcel came a week late")
    says(container, clock, PHONES[1], "STOP")
    says(container, clock, PHONES[2], "10")
    assert inbound.answer_waiting(ports=container.answering) == 3
    first = lines(container, invited[0])
    assert [(seq, direction) for seq, direction, _, _ in first] == [
        (1, "out"), (2, "in"), (3, "in"), (4, "out"), (5, "out"),
    ]  # fmt: skip
    assert all(taken for _, direction, _, taken in first if direction == "in")
    assert [direction for _, direction, _, _ in lines(container, invited[2])] == ["out", "in", "out"]
    with container.sessions() as session:
        answered = session.get(Conversation, invited[0])
        stopped = session.get(Conversation, invited[1])
        assert answered is not None
        assert stopped is not None
        assert [a["text"] for a in answered.state["answers"]] == ["3", "the parcel came a week late"]
        assert stopped.status == "opted_out"
        contact = session.get(Contact, stopped.contact_id)
        assert contact is not None
        assert contact.opted_out_at == clock.now()
        response = session.scalars(select(Response).where(Response.conversation_id == invited[1])).one()
    assert closed_responses == [{response.id}]  # the closed one is handed to analysis
    assert waiting(container) == 0
    assert inbound.answer_waiting(ports=container.answering) == 0


def test_a_failing_conversation_stays_waiting_and_the_others_are_answered(
    container: Container, clock: FakeClock, invited: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for phone in PHONES:
        says(container, clock, phone, "9")
    take_turn = conversations.take_turn

    def failing(**kwargs: Any) -> Any:
        if kwargs["conversation"].id == invited[1]:
            raise RuntimeError("this turn cannot be taken")
        return take_turn(**kwargs)

    monkeypatch.setattr(conversations, "take_turn", failing)
    assert inbound.answer_waiting(ports=container.answering) == 3
    assert [direction for _, direction, _, _ in lines(container, invited[0])] == ["out", "in", "out"]
    assert [direction for _, direction, _, _ in lines(container, invited[2])] == ["out", "in", "out"]
    assert lines(container, invited[1])[1:] == [(2, "in", "9", False)]
    monkeypatch.setattr(conversations, "take_turn", take_turn)
    assert inbound.answer_waiting(ports=container.answering) == 1  # taken once it can be
    assert [direction for _, direction, _, _ in lines(container, invited[1])] == ["out", "in", "out"]


def test_a_conversation_another_worker_holds_is_left_to_it(
    container: Container, clock: FakeClock, invited: list[str]
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL row locks; on SQLite one writer at a time holds every conversation")
    for phone in PHONES:
        says(container, clock, phone, "9")
    with container.sessions.begin() as holder:
        conversation_queries.lock_conversation(session=holder, conversation_id=invited[0])
        started = time.monotonic()
        assert inbound.answer_waiting(ports=container.answering) == 3
        assert time.monotonic() - started < 2  # skipped at once, not waited for
        assert lines(container, invited[0])[1:] == [(2, "in", "9", False)]
        assert [direction for _, direction, _, _ in lines(container, invited[1])] == ["out", "in", "out"]
    assert inbound.answer_waiting(ports=container.answering) == 1
    assert [direction for _, direction, _, _ in lines(container, invited[0])] == ["out", "in", "out"]
    assert waiting(container) == 0


def test_lock_conversations_takes_those_free_in_id_order(container: Container, invited: list[str]) -> None:
    with container.sessions.begin() as session:
        locked = conversation_queries.lock_conversations(
            session=session, conversation_ids=[*reversed(invited), "no-such-conversation"], skip_locked=True
        )
        assert [conversation.id for conversation in locked] == sorted(invited)
        seqs = conversation_queries.next_seqs(session=session, conversation_ids=[invited[0], "none"])
        assert seqs == {invited[0]: 2, "none": 1}
