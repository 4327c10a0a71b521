"""Batches of due messages: found with a read, claimed in one short write transaction that
re-checks each message, sent with no transaction open, and every outcome recorded in one more.
Nothing is sent twice, whatever another worker did between the read and the claim."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from askwhy.bootstrap import Container
from askwhy.channels.base import RecordingSender, SendError
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.outbox import delivery
from askwhy.store import outbox as queries
from askwhy.store.tables import Message

from .conftest import event as order_event


def due_replies(
    client: TestClient, container: Container, auth: dict, clock: FakeClock, count: int
) -> list[int]:
    """Ids of ``count`` messages due now, with no expiry to check one by one (as replies are)."""
    for i in range(count):
        client.post(
            "/v1/events", json=order_event(customer_id=f"c-{i}", phone=f"+44770090012{i}"), headers=auth
        )
    clock.advance(hours=2)
    with container.sessions.begin() as session:
        session.execute(update(Message).where(Message.direction == "out").values(payload={}))
        return list(
            session.scalars(select(Message.id).where(Message.direction == "out").order_by(Message.id))
        )


def message(container: Container, message_id: int) -> Message:
    with container.reads.begin() as session:
        return session.get_one(Message, message_id)


@pytest.fixture
def write_transactions(container: Container) -> Iterator[list[int]]:
    """Counts the write transactions begun (on SQLite, each one takes the single write turn)."""
    begun: list[int] = []

    def count(session: Session, transaction: Any, connection: Any) -> None:
        begun.append(1)

    event.listen(container.sessions, "after_begin", count)
    yield begun
    event.remove(container.sessions, "after_begin", count)


def test_a_run_that_finds_nothing_due_takes_no_write_turn(
    container: Container, write_transactions: list[int]
) -> None:
    assert delivery.deliver_due_now(ports=container.delivering) == 0
    assert write_transactions == []


def test_a_batch_takes_two_write_transactions_whatever_its_outcomes(
    client: TestClient,
    container: Container,
    auth: dict,
    program: Any,
    clock: FakeClock,
    senders: dict,
    write_transactions: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = due_replies(client, container, auth, clock, 4)
    whatsapp: RecordingSender = senders[Channel.WHATSAPP]
    whatsapp.failures = [
        SendError("rate limit hit", code="130429", retry_after_seconds=5.0),
        SendError("message undeliverable", code="131026", permanent=True),
    ]
    retries: list[tuple[float, str, int]] = []
    monkeypatch.setattr(
        container.jobs, "enqueue_in", lambda delay, name, *args: retries.append((delay, name, *args))
    )
    write_transactions.clear()
    assert delivery.deliver_due_now(ports=container.delivering) == 4
    assert len(write_transactions) == 2  # the claim, then every outcome
    outcomes = sorted((m.status, m.attempts, m.error_code) for m in (message(container, i) for i in ids))
    assert outcomes == [
        ("failed", 1, "131026"),
        ("pending", 1, "130429"),
        ("sent", 1, None),
        ("sent", 1, None),
    ]
    [(delay, name, retried)] = retries
    assert name == "deliver_message"
    assert delay >= 5.0
    assert message(container, retried).status == "pending"
    assert len(whatsapp.sent) == 2


def test_messages_another_worker_claimed_after_the_read_are_not_claimed_again(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    ids = due_replies(client, container, auth, clock, 3)
    with container.reads.begin() as session:
        seen = queries.due_for_batch(session=session, now=clock.now(), limit=10)
    assert sorted(seen) == ids
    assert delivery.deliver_message(ports=container.delivering, message_id=ids[0]) == "sent"  # another worker
    with container.sessions.begin() as session:
        claimed = queries.claim(session=session, message_ids=seen, now=clock.now(), lease_until=clock.now())
    assert sorted(row.id for row in claimed) == ids[1:]
    with container.sessions.begin() as session:  # and a second claim of the same read finds none
        assert (
            queries.claim(session=session, message_ids=seen, now=clock.now(), lease_until=clock.now()) == []
        )
    assert len(senders[Channel.WHATSAPP].sent) == 1


def test_a_batch_sends_what_the_claim_finds_not_what_the_read_saw(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    [message_id] = due_replies(client, container, auth, clock, 1)
    with container.reads.begin() as session:
        seen = queries.due_for_batch(session=session, now=clock.now(), limit=10)
    template = {"name": "feedback_invitation", "language": "en_US", "parameters": ["Ann"]}
    with container.sessions.begin() as session:  # a retry decided meanwhile that a template is needed
        session.execute(
            update(Message).where(Message.id == message_id).values(payload={"template": template})
        )
    with container.sessions.begin() as session:
        [row] = queries.claim(session=session, message_ids=seen, now=clock.now(), lease_until=clock.now())
    assert row.payload == {"template": template}


def test_a_message_not_yet_due_is_not_claimed_from_a_stale_read(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    [message_id] = due_replies(client, container, auth, clock, 1)
    later = clock.now().replace(year=clock.now().year + 1)
    with container.sessions.begin() as session:  # rescheduled after the read (a backoff)
        session.execute(update(Message).where(Message.id == message_id).values(next_attempt_at=later))
    with container.sessions.begin() as session:
        assert (
            queries.claim(session=session, message_ids=[message_id], now=clock.now(), lease_until=later) == []
        )
    assert message(container, message_id).status == "pending"


def test_a_claim_skips_a_message_another_transaction_holds(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip(
            "PostgreSQL row locks; SQLite serialises writers with BEGIN IMMEDIATE and its busy timeout"
        )
    held, free = due_replies(client, container, auth, clock, 2)
    with container.sessions.begin() as holder:
        assert queries.lock_message(session=holder, message_id=held) is not None
        with container.sessions.begin() as session:
            claimed = queries.claim(
                session=session, message_ids=[held, free], now=clock.now(), lease_until=clock.now()
            )
        assert [row.id for row in claimed] == [free]


def test_a_run_that_loses_part_of_its_batch_to_another_worker_goes_on_to_the_rest(
    client: TestClient,
    container: Container,
    auth: dict,
    program: Any,
    clock: FakeClock,
    senders: dict[Channel, RecordingSender],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = due_replies(client, container, auth, clock, 5)
    claim = queries.claim
    taken_elsewhere: list[int] = []

    def another_worker_first(*, session: Session, message_ids: list[int], **kwargs: Any) -> Any:
        if not taken_elsewhere:  # between this run's read and its claim, another worker takes two
            taken_elsewhere.extend(message_ids[:2])
            with container.sessions.begin() as other:
                claim(session=other, message_ids=taken_elsewhere, **kwargs)
        return claim(session=session, message_ids=message_ids, **kwargs)

    monkeypatch.setattr(queries, "claim", another_worker_first)
    monkeypatch.setattr(delivery, "BATCH", 3)
    container.jobs.enqueue("deliver_due_now")  # one run, draining batch after batch
    assert len(ids) == 5
    sent = {m for m in ids if message(container, m).status == "sent"}
    assert sent == set(ids) - set(taken_elsewhere)


def test_the_minute_sweep_sends_due_replies_in_a_batch_and_only_stranded_ones_one_by_one(
    client: TestClient,
    container: Container,
    auth: dict,
    program: Any,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = due_replies(client, container, auth, clock, 4)
    with container.sessions.begin() as session:  # a worker died while sending this one
        session.execute(
            update(Message)
            .where(Message.id == ids[0])
            .values(status="sending", attempts=1, next_attempt_at=clock.now() - timedelta(minutes=10))
        )
    enqueued: list[str] = []
    enqueue = container.jobs.enqueue

    def recording(name: str, *args: Any) -> Any:
        enqueued.append(name)
        return enqueue(name, *args)

    monkeypatch.setattr(container.jobs, "enqueue", recording)
    enqueue("deliver_due_messages")
    assert enqueued.count("deliver_message") == 1  # the stranded one; the rest in one batched run
    assert enqueued.count("deliver_due_now") == 1
    assert {message(container, m).status for m in ids} == {"sent"}
