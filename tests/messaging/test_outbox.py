"""The outbox: invitations go out when due, transient failures are retried with backoff, permanent
ones fail with their reason, WhatsApp's refusal of free text falls back to the program's template,
and statuses rank: the highest wins, a late failure never undoes a delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from askwhy.bootstrap import Container
from askwhy.channels.base import RecordingSender, SendError, StatusEvent
from askwhy.clock import FakeClock
from askwhy.conversations import inbound
from askwhy.domain.conversation import Channel
from askwhy.outbox import delivery
from askwhy.store.messaging_tables import DeliveryEvent
from askwhy.store.tables import Conversation, Message

from .conftest import event


def invite(client: TestClient, auth: dict, **kwargs: Any) -> str:
    body = client.post("/v1/events", json=event(**kwargs), headers=auth).json()
    return str(body["decisions"][0]["conversation_id"])


def invitation(container: Container, conversation_id: str) -> Message:
    with container.sessions.begin() as session:
        return session.scalars(select(Message).where(Message.conversation_id == conversation_id)).one()


def statuses(container: Container, *events: StatusEvent) -> None:
    with container.sessions.begin() as session:
        inbound.accept_events(session=session, jobs=container.jobs, events=events, now=container.clock.now())


def test_an_invitation_goes_out_when_due_and_only_then(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    conversation_id = invite(client, auth)
    whatsapp: RecordingSender = senders[Channel.WHATSAPP]
    assert whatsapp.sent == []
    assert delivery.deliver_due(ports=container.delivering) == {}
    clock.advance(hours=2)
    assert delivery.deliver_due(ports=container.delivering) == {"sent": 1}
    [sent] = whatsapp.sent
    assert sent.to == "+447700900123"
    assert sent.template is not None
    assert (sent.template.name, sent.template.parameters) == ("feedback_invitation", ("Ann",))
    message = invitation(container, conversation_id)
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, clock.now())
    assert sent.idempotency_key == message.idempotency_key
    assert message.provider_message_id == f"fake-1-{message.idempotency_key}"
    assert delivery.deliver_due(ports=container.delivering) == {}
    assert len(whatsapp.sent) == 1


def test_transient_failures_back_off_honour_retry_after_then_deliver(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    whatsapp: RecordingSender = senders[Channel.WHATSAPP]
    whatsapp.failures = [
        SendError("server error", code="500"),
        SendError("too many requests", code="429", retry_after_seconds=600),
        SendError("timed out", code="timeout"),
    ]
    conversation_id = invite(client, auth)
    clock.advance(hours=2)
    waits = []
    for _ in range(3):
        assert delivery.deliver_due(ports=container.delivering) == {"retry": 1}
        message = invitation(container, conversation_id)
        assert message.status == "pending"
        assert message.next_attempt_at is not None
        waits.append((message.next_attempt_at - clock.now()).total_seconds())
        assert delivery.deliver_due(ports=container.delivering) == {}  # not yet due
        clock.advance(seconds=waits[-1])
    assert 15 <= waits[0] <= 30  # the first backoff, with jitter
    assert waits[1] >= 600  # Retry-After wins over a shorter backoff
    assert 60 <= waits[2] <= 120  # doubled twice
    assert delivery.deliver_due(ports=container.delivering) == {"sent": 1}
    message = invitation(container, conversation_id)
    assert (message.status, message.attempts, message.error_reason) == ("sent", 4, None)
    assert len(whatsapp.sent) == 1


def test_after_the_last_attempt_the_message_fails_with_the_reason(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    container.settings.delivery_max_attempts = 3
    senders[Channel.WHATSAPP].failures = [SendError("bad gateway", code="502") for _ in range(5)]
    conversation_id = invite(client, auth)
    clock.advance(hours=2)
    for _ in range(3):
        delivery.deliver_due(ports=container.delivering)
        clock.advance(hours=1)
    message = invitation(container, conversation_id)
    assert (message.status, message.attempts) == ("failed", 3)
    assert message.error_reason == "gave up after 3 attempts: bad gateway"
    with container.sessions.begin() as session:
        assert session.get(Conversation, conversation_id).status == "failed"  # type: ignore[union-attr]


def test_a_permanent_error_fails_at_once(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    senders[Channel.WHATSAPP].failures = [SendError("not a WhatsApp user", permanent=True, code="131026")]
    conversation_id = invite(client, auth)
    clock.advance(hours=2)
    assert delivery.deliver_due(ports=container.delivering) == {"failed": 1}
    message = invitation(container, conversation_id)
    assert (message.status, message.error_code, message.error_reason) == (
        "failed",
        "131026",
        "not a WhatsApp user",
    )


def test_free_text_refused_is_resent_as_the_programs_template(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    conversation_id = invite(client, auth)
    with container.sessions.begin() as session:  # as if the invitation were plain text
        message = session.scalars(select(Message).where(Message.conversation_id == conversation_id)).one()
        message.payload = {}
    senders[Channel.WHATSAPP].failures = [
        SendError("outside the 24 h window", code="131047", needs_template=True)
    ]
    clock.advance(hours=2)
    delivery.deliver_due(ports=container.delivering)
    [sent] = senders[Channel.WHATSAPP].sent
    assert sent.template is not None
    assert sent.template.name == "feedback_invitation"
    assert invitation(container, conversation_id).status == "sent"


def test_an_invitation_that_cannot_go_out_before_it_expires_is_not_sent(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    senders[Channel.WHATSAPP].failures = [SendError("down", code="503")]
    conversation_id = invite(client, auth)
    clock.advance(hours=2)
    delivery.deliver_due(ports=container.delivering)
    clock.advance(days=4)
    assert delivery.deliver_due(ports=container.delivering) == {"skipped": 1}
    message = invitation(container, conversation_id)
    assert (message.status, message.error_code) == ("failed", "expired")
    assert senders[Channel.WHATSAPP].sent == []


def _sent_invitation(client: TestClient, container: Container, auth: dict, clock: FakeClock) -> Message:
    conversation_id = invite(client, auth)
    clock.advance(hours=2)
    delivery.deliver_due(ports=container.delivering)
    return invitation(container, conversation_id)


def _status(message: Message, status: str, minutes: int, **extra: Any) -> StatusEvent:
    at = datetime(2026, 1, 5, 12, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    return StatusEvent(Channel.WHATSAPP, message.provider_message_id or "", status, at, **extra)


def test_the_highest_status_wins_whatever_the_order(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    message = _sent_invitation(client, container, auth, clock)
    statuses(
        container, _status(message, "read", 5), _status(message, "delivered", 1), _status(message, "sent", 0)
    )
    after = invitation(container, message.conversation_id)
    assert after.status == "read"
    assert after.delivered_at == datetime(2026, 1, 5, 12, 1, tzinfo=UTC)
    assert after.read_at == datetime(2026, 1, 5, 12, 5, tzinfo=UTC)
    late_failure = _status(message, "failed", 9, error_code="131049", error_reason="ecosystem engagement")
    statuses(container, late_failure, _status(message, "weird_new_status", 10))
    after = invitation(container, message.conversation_id)
    assert after.status == "read"
    assert after.error_reason == "ecosystem engagement"
    with container.sessions.begin() as session:
        kept = session.scalars(select(DeliveryEvent.status).order_by(DeliveryEvent.id)).all()
    assert kept == ["read", "delivered", "sent", "failed", "weird_new_status"]


def test_a_failure_before_delivery_marks_the_message_failed(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    message = _sent_invitation(client, container, auth, clock)
    statuses(container, _status(message, "failed", 1, error_code="131026", error_reason="undeliverable"))
    after = invitation(container, message.conversation_id)
    assert (after.status, after.error_code, after.error_reason) == ("failed", "131026", "undeliverable")
    statuses(container, _status(message, "sent", 0))
    assert invitation(container, message.conversation_id).status == "failed"


def test_statuses_arriving_before_the_send_result_are_reconciled(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    conversation_id = invite(client, auth)
    clock.advance(hours=2)
    key = invitation(container, conversation_id).idempotency_key
    early = StatusEvent(Channel.WHATSAPP, f"fake-1-{key}", "delivered", clock.now())
    statuses(container, early)  # the provider was faster than our bookkeeping
    with container.sessions.begin() as session:
        assert session.scalars(select(DeliveryEvent.message_id)).one() is None
    delivery.deliver_due(ports=container.delivering)
    message = invitation(container, conversation_id)
    assert (message.status, message.delivered_at) == ("delivered", clock.now())
    with container.sessions.begin() as session:
        assert session.scalars(select(DeliveryEvent.message_id)).one() == message.id


def test_a_lost_send_is_not_repeated_when_the_provider_echoes_its_key(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    container.settings.delivery_lease_seconds = 60
    container.settings.delivery_grace_seconds = 300
    conversation_id = invite(client, auth)
    clock.advance(hours=2)
    with container.sessions.begin() as session:  # a worker claims, sends, and dies before recording
        claim = delivery.claim_message(
            session=session, message_id=invitation(container, conversation_id).id, now=clock.now(),
            policy=delivery.RetryPolicy.from_settings(container.settings),
        )  # fmt: skip
    assert claim is not None
    clock.advance(seconds=90)  # lease over, within the grace period: wait
    assert delivery.deliver_due(ports=container.delivering) == {"skipped": 1}
    statuses(
        container,
        StatusEvent(
            Channel.WHATSAPP, "wamid.XYZ", "sent", clock.now(), idempotency_key=claim.outgoing.idempotency_key
        ),
    )
    clock.advance(seconds=600)
    assert delivery.deliver_due(ports=container.delivering) == {}
    message = invitation(container, conversation_id)
    assert (message.status, message.provider_message_id, message.attempts) == ("sent", "wamid.XYZ", 1)
    assert senders[Channel.WHATSAPP].sent == []


def test_a_lost_send_is_repeated_after_the_grace_period(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    conversation_id = invite(client, auth)
    clock.advance(hours=2)
    with container.sessions.begin() as session:
        delivery.claim_message(
            session=session, message_id=invitation(container, conversation_id).id, now=clock.now(),
            policy=delivery.RetryPolicy.from_settings(container.settings),
        )  # fmt: skip
    clock.advance(seconds=container.settings.delivery_lease_seconds + 10)
    assert delivery.deliver_due(ports=container.delivering) == {"skipped": 1}
    clock.advance(seconds=container.settings.delivery_grace_seconds)
    assert delivery.deliver_due(ports=container.delivering) == {"sent": 1}
    message = invitation(container, conversation_id)
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(senders[Channel.WHATSAPP].sent) == 1


def test_due_messages_are_sent_together_each_once_and_failures_retried_alone(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    whatsapp: RecordingSender = senders[Channel.WHATSAPP]
    whatsapp.failures = [SendError("server error", code="500")]
    conversations = [invite(client, auth, customer_id=f"c-{i}", phone=f"+44770090012{i}") for i in range(3)]
    clock.advance(hours=2)
    with container.sessions.begin() as session:  # no expiry to check one by one, as for a reply
        session.execute(update(Message).where(Message.conversation_id.in_(conversations)).values(payload={}))
    assert delivery.deliver_due_now(ports=container.delivering) == 3
    assert delivery.deliver_due_now(ports=container.delivering) == 0  # claimed once: nothing left due
    states = sorted((m.status, m.attempts) for m in (invitation(container, c) for c in conversations))
    assert states == [("pending", 1), ("sent", 1), ("sent", 1)]
    assert len(whatsapp.sent) == 2
    assert len({m.idempotency_key for m in whatsapp.sent}) == 2


def test_draining_stops_at_a_partial_batch_and_hands_on_after_too_many_full_ones(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches = iter([5, 5, 2, 9])
    assert container.jobs.drain("deliver_due_now", lambda: next(batches), full=5) == 12
    nudged: list[str] = []
    monkeypatch.setattr(container.jobs, "nudge", nudged.append)
    assert container.jobs.drain("deliver_due_now", lambda: 5, full=5, max_batches=3) == 15
    assert nudged == ["deliver_due_now"]
