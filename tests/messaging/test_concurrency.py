"""Order and concurrency: messages arriving together are each answered once, in order, and a
conversation never has two interviewer turns at once (a row lock with a timeout, not a flag)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from askwhy.bootstrap import Container
from askwhy.channels.base import InboundEvent
from askwhy.clock import FakeClock
from askwhy.conversations import inbound
from askwhy.domain.conversation import Channel
from askwhy.outbox import delivery
from askwhy.store import conversations as conversation_queries
from askwhy.store.tables import Conversation, Message

from .conftest import event


def together(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions in threads released at the same instant; re-raise the first error."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)
    errors: list[BaseException] = []

    def run(index: int, action: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def arrive(
    container: Container, text: str, provider_id: str, clock: FakeClock
) -> Callable[[], inbound.Accepted]:
    message = InboundEvent(Channel.WHATSAPP, provider_id, "447700900123", text, clock.now())

    def accept() -> inbound.Accepted:
        with container.sessions.begin() as session:
            return inbound.accept_events(
                session=session, jobs=container.jobs, events=[message], now=clock.now()
            )

    return accept


@pytest.fixture
def conversation_id(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> str:
    body = client.post("/v1/events", json=event(), headers=auth).json()
    clock.advance(hours=2)
    delivery.deliver_due(ports=container.delivering)
    return str(body["decisions"][0]["conversation_id"])


@pytest.mark.parametrize("round_", range(3))
def test_two_messages_at_once_are_each_answered_once_in_order(
    container: Container, conversation_id: str, clock: FakeClock, round_: int
) -> None:
    # The queue runs inline: each webhook's commit starts its own interviewer turn at once.
    together(
        arrive(container, "3", f"wamid.a{round_}", clock),
        arrive(container, "the courier left it in the rain", f"wamid.b{round_}", clock),
    )
    with container.sessions.begin() as session:
        rows = session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        ).all()
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        inbound_texts = [row.text for row in rows if row.direction == "in"]
        assert all(row.processed_at is not None for row in rows if row.direction == "in")
        # Each message was taken once and in the order it was stored, whichever thread won.
        assert [a["text"] for a in conversation.state["answers"]] == inbound_texts
        assert sum(1 for row in rows if row.direction == "out") == 3  # invitation + one reply each
        assert [row.seq for row in rows] == list(range(1, len(rows) + 1))


def test_the_same_provider_message_twice_at_once_is_stored_once(
    container: Container, conversation_id: str, clock: FakeClock
) -> None:
    results = together(*(arrive(container, "9", "wamid.same", clock) for _ in range(4)))
    assert sorted(len(r.new_messages) for r in results) == [0, 0, 0, 1]
    with container.sessions.begin() as session:
        stored = session.scalars(select(Message).where(Message.provider_message_id == "wamid.same")).all()
    assert len(stored) == 1


def test_a_turn_waits_for_the_lock_at_most_the_lock_timeout(
    container: Container, conversation_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip(
            "PostgreSQL row locks; SQLite serialises writers with BEGIN IMMEDIATE and its busy timeout"
        )
    monkeypatch.setattr(conversation_queries, "LOCK_TIMEOUT", "300ms")
    with container.sessions.begin() as holder:
        conversation_queries.lock_conversation(session=holder, conversation_id=conversation_id)
        started = time.monotonic()
        with pytest.raises(OperationalError, match="lock timeout"), container.sessions.begin() as waiter:
            conversation_queries.lock_conversation(session=waiter, conversation_id=conversation_id)
        assert time.monotonic() - started < 3
    with container.sessions.begin() as session:  # released: nothing stays stuck
        assert conversation_queries.lock_conversation(session=session, conversation_id=conversation_id)
