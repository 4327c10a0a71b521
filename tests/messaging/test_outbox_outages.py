"""A provider that is down: its first unavailable answer holds the channel's sends, one probe at a
time finds out when it is back without using up the probed message's attempts, and the first
answer makes every message waiting for it due at once, retries put off by a backoff included.
Other channels go on meanwhile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from askwhy.bootstrap import Container
from askwhy.channels.base import RecordingSender, SendError
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.outbox import delivery, outages, probing
from askwhy.store.tables import Message

from .test_outbox_batches import due_replies, message


def down() -> SendError:
    return SendError("the Graph API did not answer in time", code="timeout", unavailable=True)


@pytest.fixture
def scheduled(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[float, str, tuple[Any, ...]]]:
    """What is queued to run later (the inline queue would drop it); what is due now runs."""
    later: list[tuple[float, str, tuple[Any, ...]]] = []
    enqueue_in = container.jobs.enqueue_in

    def queue(delay: float, name: str, *args: Any) -> None:
        if delay > 0:
            later.append((delay, name, args))
        else:
            enqueue_in(delay, name, *args)

    monkeypatch.setattr(container.jobs, "enqueue_in", queue)
    return later


def held(container: Container) -> list[str]:
    return outages.held(container.jobs, [Channel.WHATSAPP, Channel.SMS])


def test_an_answer_in_the_same_run_releases_the_retry_a_timeout_put_off(
    client: TestClient,
    container: Container,
    auth: dict,
    program: Any,
    clock: FakeClock,
    senders: dict[Channel, RecordingSender],
    scheduled: list[tuple[float, str, tuple[Any, ...]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delivery, "SENDS_AT_ONCE", 1)
    ids = due_replies(client, container, auth, clock, 4)
    whatsapp = senders[Channel.WHATSAPP]
    whatsapp.failures = [down()]
    assert delivery.deliver_due_now(ports=container.delivering) == 4
    # The first send timed out and held the channel; the rest of the run, claimed before that
    # was known, went through: the provider answered, so the channel was released and the
    # first message, put off by its backoff, was made due and sent by the run that nudged.
    assert held(container) == []
    first = message(container, ids[0])
    assert (first.status, first.attempts, first.error_code) == ("sent", 2, None)
    assert {message(container, i).status for i in ids[1:]} == {"sent"}
    assert len(whatsapp.sent) == 4
    assert [name for _, name, _ in scheduled].count(outages.PROBE_TASK) == 1


def test_held_messages_wait_for_a_probe_that_does_not_use_up_their_attempts(
    client: TestClient,
    container: Container,
    auth: dict,
    program: Any,
    clock: FakeClock,
    senders: dict[Channel, RecordingSender],
    scheduled: list[tuple[float, str, tuple[Any, ...]]],
) -> None:
    container.settings.delivery_max_attempts = 2
    ids = due_replies(client, container, auth, clock, 3)
    whatsapp = senders[Channel.WHATSAPP]
    whatsapp.failures = [down(), down(), down()]
    assert delivery.deliver_due_now(ports=container.delivering) == 3
    assert held(container) == ["whatsapp"]
    probe = [(delay, args) for delay, name, args in scheduled if name == outages.PROBE_TASK]
    assert probe == [(outages.PROBE_FIRST_SECONDS, ("whatsapp", probe[0][1][1], 0))]
    retries = {message(container, i).next_attempt_at for i in ids}
    assert min(retries) > clock.now() + timedelta(seconds=10)  # each waits out its backoff

    # A new message while the provider is down is not sent, nor claimed, by any run.
    with container.sessions.begin() as session:
        session.execute(update(Message).where(Message.id == ids[0]).values(next_attempt_at=clock.now()))
    assert delivery.deliver_due_now(ports=container.delivering) == 0
    assert delivery.deliver_message(ports=container.delivering, message_id=ids[0]) == "skipped"

    # Probes while it stays down: one message at a time, its attempts as they were.
    whatsapp.failures = [down() for _ in range(5)]
    for _ in range(5):
        assert probing.probe(ports=container.delivering, channel=Channel.WHATSAPP) == "still down"
    assert len(whatsapp.failures) == 0
    assert [message(container, i).attempts for i in ids] == [1, 1, 1]
    assert {message(container, i).status for i in ids} == {"pending"}
    assert held(container) == ["whatsapp"]

    # The first probe that goes through releases every held message, backoffs included.
    assert probing.probe(ports=container.delivering, channel=Channel.WHATSAPP) == "sent"
    assert held(container) == []
    assert {message(container, i).status for i in ids} == {"sent"}  # the nudged run sent the rest
    assert len(whatsapp.sent) == 3


def test_a_probe_chain_schedules_ahead_ends_when_released_and_is_revived_if_lost(
    container: Container, clock: FakeClock, scheduled: list[tuple[float, str, tuple[Any, ...]]]
) -> None:
    jobs, now = container.jobs, clock.now()
    assert outages.provider_failed(jobs=jobs, channel=Channel.WHATSAPP, now=now)
    assert not outages.provider_failed(jobs=jobs, channel=Channel.WHATSAPP, now=now)  # one chain
    [(_, _, (_, token, _))] = scheduled
    delays = []
    for n in range(5):
        assert outages.probe_due(jobs=jobs, channel=Channel.WHATSAPP, token=token, number=n, now=now)
        delays.append(scheduled[-1][0])
    # Doubling from the first, up to the longest wait.
    assert delays == [min(outages.PROBE_MAX_SECONDS, outages.PROBE_FIRST_SECONDS * 2**n) for n in range(1, 6)]
    assert delays[-1] == outages.PROBE_MAX_SECONDS > outages.PROBE_FIRST_SECONDS
    assert not outages.probe_due(jobs=jobs, channel=Channel.WHATSAPP, token="another", number=0, now=now)

    # Its last probe long ago (the worker taking it was killed): the sweep starts a new chain.
    assert outages.revive_probes(jobs=jobs, channels=[Channel.WHATSAPP], now=now) == []
    later = now + timedelta(seconds=outages.PROBES_STOPPED_SECONDS + 1)
    assert outages.revive_probes(jobs=jobs, channels=[Channel.WHATSAPP], now=later) == [Channel.WHATSAPP]
    assert not outages.probe_due(jobs=jobs, channel=Channel.WHATSAPP, token=token, number=5, now=later)

    # Nothing waiting: the chain ends and the channel is not held.
    outages.nothing_waiting(jobs=jobs, channel=Channel.WHATSAPP)
    assert held(container) == []


def test_another_channel_is_sent_while_one_provider_is_down(
    client: TestClient,
    container: Container,
    auth: dict,
    program: Any,
    clock: FakeClock,
    senders: dict[Channel, RecordingSender],
    scheduled: list[tuple[float, str, tuple[Any, ...]]],
) -> None:
    ids = due_replies(client, container, auth, clock, 2)
    with container.sessions.begin() as session:
        session.execute(update(Message).where(Message.id == ids[1]).values(channel="sms"))
    outages.provider_failed(jobs=container.jobs, channel=Channel.WHATSAPP, now=clock.now())
    assert delivery.deliver_due_now(ports=container.delivering) == 1
    assert [m.to for m in senders[Channel.SMS].sent] == [message(container, ids[1]).to_address]
    assert senders[Channel.WHATSAPP].sent == []
    assert message(container, ids[0]).status == "pending"


def test_a_refusal_is_an_answer_a_throttle_holds_nothing(
    client: TestClient,
    container: Container,
    auth: dict,
    program: Any,
    clock: FakeClock,
    senders: dict[Channel, RecordingSender],
    scheduled: list[tuple[float, str, tuple[Any, ...]]],
) -> None:
    ids = due_replies(client, container, auth, clock, 2)
    whatsapp = senders[Channel.WHATSAPP]
    whatsapp.failures = [SendError("rate limit hit", code="130429", retry_after_seconds=5.0)]
    delivery.deliver_message(ports=container.delivering, message_id=ids[0])
    assert held(container) == []
    outages.provider_failed(jobs=container.jobs, channel=Channel.WHATSAPP, now=clock.now())
    whatsapp.failures = [SendError("not a WhatsApp user", code="131026", permanent=True)]
    assert probing.probe(ports=container.delivering, channel=Channel.WHATSAPP) == "failed"
    assert held(container) == []
