"""Storing the webhook inbox on PostgreSQL while another transaction holds a conversation past the
lock timeout (a busy machine): the deliveries stay kept and are stored a moment later, with no
error raised out of the queue task (Huey would log it as an unhandled exception)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.conversations.webhook_storing import STORE_KEPT, store_kept
from askwhy.settings import Settings
from askwhy.store import conversations as conversation_queries
from askwhy.store.database import is_sqlite
from askwhy.store.inbox import Delivery, Inbox, deliveries
from tests.channels import whatsapp_deliveries as wa
from tests.channels.test_whatsapp_route import graph, invite, stored_inbound, whatsapp_settings

__all__ = ["graph", "whatsapp_settings"]  # fixtures


@pytest.fixture
def queued(whatsapp_settings: Settings, clock: FakeClock) -> Iterator[Container]:
    built = bootstrap(whatsapp_settings.model_copy(update={"queue_inline": False}), clock=clock, senders={})
    if is_sqlite(built.engine):
        built.close()
        pytest.skip("PostgreSQL row locks; on SQLite one storer holds the write turn")
    yield built
    built.close()


@pytest.fixture
def inbox(queued: Container) -> Iterator[Inbox]:
    yield queued.inbox
    with queued.inbox.sessions.begin() as session:  # the table outlives the test
        session.execute(deliveries.delete())


def test_a_conversation_held_past_the_lock_timeout_leaves_its_delivery_kept_for_a_moment_later(
    queued: Container,
    inbox: Inbox,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(conversation_queries, "LOCK_TIMEOUT", "200ms")
    [conversation_id] = invite(queued, "16505550100")
    body = wa.encode(
        wa.delivery(wa.value(messages=[wa.text("9", sender="16505550100", message_id="wamid.H1")]))
    )
    inbox.put([Delivery(channel="whatsapp", body=body, received_at=clock.now())])
    with caplog.at_level(logging.WARNING), queued.sessions.begin() as turn:  # a slow turn holds it
        conversation_queries.lock_conversation(session=turn, conversation_id=conversation_id)
        assert store_kept(storing=queued.storing, inbox=queued.inbox) == 0
    assert inbox.count() == 1, "the delivery stays kept"
    assert stored_inbound(queued) == []
    assert "waited past the lock timeout" in caplog.text
    [again] = [task for task in queued.jobs.huey.pending() if task.name == STORE_KEPT]
    assert again.eta is not None, "tried again in a moment, not at once"
    assert store_kept(storing=queued.storing, inbox=queued.inbox) == 1  # the turn has ended
    assert [m.text for m in stored_inbound(queued)] == ["9"]
    assert inbox.count() == 0


def test_a_storing_batch_sets_the_lock_timeout_once_and_every_lock_in_it_keeps_to_it(
    queued: Container, inbox: Inbox, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conversation_queries, "LOCK_TIMEOUT", "200ms")
    phones = ["16505550101", "16505550102", "16505550103"]
    conversation_ids = invite(queued, *phones)
    inbox.put([
        Delivery(channel="whatsapp", body=wa.encode(wa.delivery(wa.value(messages=[
            wa.text("9", sender=phone, message_id=f"wamid.T{n}")]))), received_at=clock.now())
        for n, phone in enumerate(phones)
    ])  # fmt: skip
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731  (before_cursor_execute's statement)
    event.listen(queued.engine, "before_cursor_execute", listen)
    try:
        with queued.sessions.begin() as turn:  # the last conversation of the batch is held
            conversation_queries.lock_conversation(session=turn, conversation_id=conversation_ids[-1])
            statements.clear()
            assert store_kept(storing=queued.storing, inbox=queued.inbox) == 0, "the third lock timed out"
    finally:
        event.remove(queued.engine, "before_cursor_execute", listen)
    assert sum("lock_timeout" in statement for statement in statements) == 1
    assert inbox.count() == 3
    assert store_kept(storing=queued.storing, inbox=queued.inbox) == 3
