"""Claims that match sends: a delivery run holds only what it has handed to the provider, so a
run that dies strands nothing it never sent, and what may have reached the provider still waits
out the grace period before it is sent again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.channels.base import RecordingSender
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.outbox import delivery

from .test_outbox_batches import due_replies, message


class Killed(BaseException):
    """The worker process dying in the middle of a run."""


class DiesOnFirstSend:
    """Send threads that die once, on the first chunk, after its claim committed."""

    def __init__(self) -> None:
        self.handed: list[list[int]] = []

    def map(self, send: Callable[[Any], Any], claims: list[Any]) -> list[Any]:
        self.handed.append([claim.message_id for claim in claims])
        raise Killed


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(delivery, "SENDS_AT_ONCE", 2)
    return 2


def test_a_run_that_dies_leaves_what_it_never_sent_for_the_next_run_at_once(
    client: TestClient,
    container: Container,
    auth: dict,
    program: Any,
    clock: FakeClock,
    senders: dict[Channel, RecordingSender],
    small_chunks: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = due_replies(client, container, auth, clock, 5)
    dying = DiesOnFirstSend()
    monkeypatch.setattr(delivery, "_send_threads", dying)
    with pytest.raises(Killed):
        delivery.deliver_due_now(ports=container.delivering)
    [handed] = dying.handed
    assert len(handed) == small_chunks
    assert {message(container, m).status for m in ids if m not in handed} == {"pending"}
    monkeypatch.undo()
    monkeypatch.setattr(delivery, "SENDS_AT_ONCE", small_chunks)

    clock.advance(seconds=1)  # well within the lease: the next run sends the rest
    assert delivery.deliver_due_now(ports=container.delivering) == len(ids) - len(handed)
    whatsapp = senders[Channel.WHATSAPP]
    sent_ids = [m for m in ids if message(container, m).status == "sent"]
    assert sorted(sent_ids) == sorted(set(ids) - set(handed))
    assert len(whatsapp.sent) == len(ids) - len(handed)


def test_what_a_dead_run_handed_to_the_provider_waits_out_the_grace_period(
    client: TestClient,
    container: Container,
    auth: dict,
    program: Any,
    clock: FakeClock,
    senders: dict[Channel, RecordingSender],
    small_chunks: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = due_replies(client, container, auth, clock, 3)
    dying = DiesOnFirstSend()
    monkeypatch.setattr(delivery, "_send_threads", dying)
    with pytest.raises(Killed):
        delivery.deliver_due_now(ports=container.delivering)
    monkeypatch.undo()
    [handed] = dying.handed
    policy = container.delivering.policy
    whatsapp = senders[Channel.WHATSAPP]

    clock.advance(seconds=policy.lease_seconds + 1)  # the lease ran out, the grace has not
    container.jobs.enqueue("deliver_due_messages")
    assert {message(container, m).status for m in handed} == {"sending"}
    assert sorted(m.idempotency_key for m in whatsapp.sent) == sorted(
        message(container, m).idempotency_key for m in ids if m not in handed
    )

    clock.advance(seconds=policy.grace_seconds)  # no status arrived: the provider never had them
    container.jobs.enqueue("deliver_due_messages")
    assert {message(container, m).status for m in ids} == {"sent"}
    keys = [m.idempotency_key for m in whatsapp.sent]
    assert len(keys) == len(set(keys)) == len(ids)
