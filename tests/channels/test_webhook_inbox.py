"""The webhook inbox: with a background queue, a WhatsApp delivery is kept as received and answered
200 at once, then stored as messages and statuses, once, in order of arrival; a delivery that
fails to store is kept for later without holding up the others."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import WebhookEvent
from askwhy.clock import FakeClock
from askwhy.service.app import WEBHOOK_PARSERS, create_app
from askwhy.settings import Settings
from askwhy.store.inbox import Delivery, Inbox, deliveries, open_inbox
from askwhy.store.tables import Message
from askwhy.webhook_storing import InboxStorer
from tests.channels import whatsapp_deliveries as wa
from tests.channels.test_whatsapp_route import graph, invite, stored_inbound, whatsapp_settings

__all__ = ["graph", "whatsapp_settings"]  # fixtures


@pytest.fixture
def queued(whatsapp_settings: Settings, clock: FakeClock) -> Iterator[Container]:
    """WhatsApp configured, with the queue worked in the background (as `askwhy serve` does)."""
    built = bootstrap(whatsapp_settings.model_copy(update={"queue_inline": False}), clock=clock, senders={})
    yield built
    built.close()


@pytest.fixture
def inbox(queued: Container) -> Iterator[Inbox]:
    opened = open_inbox(queued.engine)
    yield opened
    with opened.sessions.begin() as session:  # on PostgreSQL the table outlives the test
        session.execute(deliveries.delete())


def text(phone: str, words: str, message_id: str) -> bytes:
    return wa.encode(wa.delivery(wa.value(messages=[wa.text(words, sender=phone, message_id=message_id)])))


def keep(inbox: Inbox, clock: FakeClock, *bodies: bytes, channel: str = "whatsapp") -> None:
    inbox.put([Delivery(channel=channel, body=body, received_at=clock.now()) for body in bodies])


def wait_for(check: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_delivery_is_answered_once_kept_and_stored_right_after(queued: Container, clock: FakeClock) -> None:
    invite(queued, "16505550100")
    app = create_app(queued)
    body = text("16505550100", "9", "wamid.KEPT1")
    client = TestClient(app)  # not started: nothing stores what the inbox keeps
    response = client.post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
    assert response.status_code == 200
    assert response.json() == {"messages": 1, "statuses": 0}
    inbox = open_inbox(queued.engine)
    assert inbox.count() == 1
    assert stored_inbound(queued) == []
    with client:  # started: it stores what it finds, then what arrives
        wait_for(lambda: len(stored_inbound(queued)) == 1)
        again = text("16505550100", "because it was fast", "wamid.KEPT2")
        assert client.post("/webhooks/whatsapp", content=again, headers=wa.headers(again)).status_code == 200
        wait_for(lambda: len(stored_inbound(queued)) == 2)
    assert [m.text for m in stored_inbound(queued)] == ["9", "because it was fast"]
    assert inbox.count() == 0


def test_deliveries_are_stored_in_order_of_arrival_and_a_retried_one_once(
    queued: Container, inbox: Inbox, clock: FakeClock
) -> None:
    [conversation_id] = invite(queued, "16505550101")
    first, second = text("16505550101", "6", "wamid.A"), text("16505550101", "it was slow", "wamid.B")
    keep(inbox, clock, first, second, first)
    storer = InboxStorer(container=queued, inbox=inbox, parsers=WEBHOOK_PARSERS)
    assert storer.store_due() == 3
    stored = stored_inbound(queued)
    assert [(m.provider_message_id, m.text) for m in stored] == [("wamid.A", "6"), ("wamid.B", "it was slow")]
    assert stored[0].seq < stored[1].seq
    assert {m.conversation_id for m in stored} == {conversation_id}
    assert inbox.count() == 0
    assert storer.store_due() == 0


def test_a_delivery_that_fails_to_store_is_kept_for_later_and_the_others_are_stored(
    queued: Container, inbox: Inbox, clock: FakeClock
) -> None:
    invite(queued, "16505550102", "16505550103")

    def broken(body: bytes, received_at: datetime) -> list[WebhookEvent]:
        raise ValueError("this channel's parser is broken")

    keep(inbox, clock, text("16505550102", "8", "wamid.GOOD1"))
    keep(inbox, clock, b"{}", channel="broken")
    keep(inbox, clock, text("16505550103", "7", "wamid.GOOD2"))
    storer = InboxStorer(container=queued, inbox=inbox, parsers={**WEBHOOK_PARSERS, "broken": broken})
    assert storer.store_due() == 3
    assert [m.provider_message_id for m in stored_inbound(queued)] == ["wamid.GOOD1", "wamid.GOOD2"]
    with inbox.sessions() as session:
        [kept] = session.execute(select(deliveries)).all()
    assert kept.channel == "broken"
    assert kept.attempts == 1
    assert "parser is broken" in kept.last_error
    assert kept.retry_at > clock.now()
    assert storer.store_due() == 0, "not due again yet"
    clock.advance(minutes=1)
    assert storer.store_due() == 1
    with inbox.sessions() as session:
        assert session.scalar(select(deliveries.c.attempts)) == 2


def test_deliveries_stored_again_after_a_crash_are_stored_once(
    queued: Container, inbox: Inbox, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    if inbox.shares_database:
        pytest.skip("PostgreSQL removes a delivery in the transaction that stores it")
    invite(queued, "16505550104")
    keep(inbox, clock, text("16505550104", "10", "wamid.CRASH"))
    storer = InboxStorer(container=queued, inbox=inbox, parsers=WEBHOOK_PARSERS)

    def crash(**_: object) -> None:
        raise SystemExit("killed between storing and removing")

    with monkeypatch.context() as patched:
        patched.setattr(inbox, "remove", crash)
        with pytest.raises(SystemExit):
            storer.store_due()
    assert inbox.count() == 1
    assert storer.store_due() == 1
    assert [m.provider_message_id for m in stored_inbound(queued)] == ["wamid.CRASH"]
    assert inbox.count() == 0


def test_inline_queues_store_deliveries_within_the_request(
    whatsapp_settings: Settings, clock: FakeClock
) -> None:
    container = bootstrap(whatsapp_settings, clock=clock, senders={})
    try:
        invite(container, "16505550106")
        body = text("16505550106", "9", "wamid.INLINE")
        with TestClient(create_app(container)) as client:
            assert (
                client.post("/webhooks/whatsapp", content=body, headers=wa.headers(body)).status_code == 200
            )
        with container.sessions() as session:
            assert session.scalars(
                select(Message.provider_message_id).where(Message.direction == "in")
            ).all() == ["wamid.INLINE"]
    finally:
        container.close()
