"""The webhook inbox: with a background queue, a WhatsApp delivery is kept as received and answered
200 at once, then stored as messages and statuses by a queue task, once, in order of arrival; a
delivery that fails to store is kept for later without holding up the others."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.conversations.webhook_storing import STORE_KEPT, InboxStorer, Parsed, store_kept
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.database import is_sqlite, make_engine
from askwhy.store.inbox import Delivery, Inbox, deliveries, open_inbox
from askwhy.store.messaging_tables import DeliveryEvent
from askwhy.store.tables import Message
from askwhy.store.writer_lock import TurnTimeout
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
    opened = queued.inbox
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


def test_a_delivery_is_answered_once_kept_and_stored_by_the_queue(queued: Container, inbox: Inbox) -> None:
    invite(queued, "16505550100")
    client = TestClient(create_app(queued))
    for words, message_id in (("9", "wamid.KEPT1"), ("because it was fast", "wamid.KEPT2")):
        body = text("16505550100", words, message_id)
        response = client.post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
        assert response.status_code == 200
        assert response.json() == {"messages": 1, "statuses": 0}
    assert inbox.count() == 2
    assert stored_inbound(queued) == []
    wait_for(lambda: STORE_KEPT in [task.name for task in queued.jobs.huey.pending()])  # nudged off the loop
    assert [task.name for task in queued.jobs.huey.pending()].count(STORE_KEPT) == 1, "one nudge for both"
    assert store_kept(storing=queued.storing, inbox=queued.inbox) == 2
    assert [m.text for m in stored_inbound(queued)] == ["9", "because it was fast"]
    assert inbox.count() == 0


def test_deliveries_are_stored_in_order_of_arrival_and_a_retried_one_once(
    queued: Container, inbox: Inbox, clock: FakeClock
) -> None:
    [conversation_id] = invite(queued, "16505550101")
    first, second = text("16505550101", "6", "wamid.A"), text("16505550101", "it was slow", "wamid.B")
    keep(inbox, clock, first, second, first)
    storer = InboxStorer(storing=queued.storing, inbox=inbox, parsers=None)
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

    def broken(delivery: Delivery) -> Parsed:
        raise ValueError("this channel's parser is broken")

    keep(inbox, clock, text("16505550102", "8", "wamid.GOOD1"))
    keep(inbox, clock, b"{}", channel="broken")
    keep(inbox, clock, text("16505550103", "7", "wamid.GOOD2"))
    storer = InboxStorer(storing=queued.storing, inbox=inbox, parsers={"broken": broken})
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
    storer = InboxStorer(storing=queued.storing, inbox=inbox, parsers=None)

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


def test_storers_racing_on_one_inbox_store_each_delivery_once(
    queued: Container, inbox: Inbox, clock: FakeClock
) -> None:
    phones = [f"165055502{n:02d}" for n in range(20)]
    invite(queued, *phones)
    bodies = [text(phone, "8", f"wamid.RACE{n}") for n, phone in enumerate(phones)]
    statuses = [
        wa.encode(wa.delivery(wa.value(statuses=[wa.status(f"wamid.OUT{n}", "read")]))) for n in range(20)
    ]
    keep(inbox, clock, *[body for pair in zip(bodies, statuses, strict=True) for body in pair])
    # Each storer with an inbox of its own, as in separate processes: only the lock file is shared.
    storers = [
        InboxStorer(storing=queued.storing, inbox=open_inbox(queued.engine), batch=3) for _ in range(3)
    ]

    def drain(storer: InboxStorer) -> None:
        while storer.store_due():
            pass

    threads = [threading.Thread(target=drain, args=(storer,)) for storer in storers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(m.provider_message_id or "" for m in stored_inbound(queued)) == sorted(
        f"wamid.RACE{n}" for n in range(20)
    )
    with queued.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DeliveryEvent)) == 20
    assert inbox.count() == 0


def test_the_inbox_file_is_checkpointed_by_its_storer_not_by_the_commits_that_keep(
    queued: Container, inbox: Inbox, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    if inbox.path is None:
        pytest.skip("PostgreSQL: the inbox is a table of the database")
    with inbox.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    storer = InboxStorer(
        storing=queued.storing, inbox=inbox, parsers={"bulky": lambda delivery: Parsed(events=[])}
    )
    large = [bytes(500_000) for _ in range(10)]  # past SQLite's automatic checkpoint (1000 pages)
    keep(inbox, clock, *large, channel="bulky")
    size = inbox.path.stat().st_size
    assert storer.store_due() == 10
    assert inbox.path.stat().st_size == size, "kept and removed, all in the log still"
    monkeypatch.setattr("askwhy.store.inbox.CHECKPOINT_EVERY", 10)
    keep(inbox, clock, *large, channel="bulky")
    assert storer.store_due() == 10
    assert inbox.path.stat().st_size > size + 4_000_000, "the log was copied into the file"


def test_with_an_inbox_storer_process_the_server_does_not_nudge_the_queue(queued: Container) -> None:
    invite(queued, "16505550107")
    client = TestClient(create_app(queued, inbox_storer=True))
    body = text("16505550107", "9", "wamid.NONUDGE")
    assert client.post("/webhooks/whatsapp", content=body, headers=wa.headers(body)).status_code == 200
    assert queued.inbox.count() == 1
    assert STORE_KEPT not in [task.name for task in queued.jobs.huey.pending()]
    with queued.inbox.sessions.begin() as session:
        session.execute(deliveries.delete())


def test_the_minute_sweep_leaves_the_inbox_to_a_storer_at_work(
    queued: Container, inbox: Inbox, clock: FakeClock
) -> None:
    if inbox.path is None:
        pytest.skip("PostgreSQL: storers share the table, each with the rows it locked")
    invite(queued, "16505550108")
    keep(inbox, clock, text("16505550108", "9", "wamid.SWEEP"))
    other = open_inbox(queued.engine)  # another process's storer, as far as the lock file knows
    with other.storing():
        assert store_kept(storing=queued.storing, inbox=queued.inbox, wait=False) == 0
    assert inbox.count() == 1
    assert store_kept(storing=queued.storing, inbox=queued.inbox, wait=False) == 1


def test_a_delivery_that_cannot_be_kept_in_time_gets_503(
    queued: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    def busy(batch: object) -> None:
        raise TurnTimeout("database is locked: no write turn within the busy timeout")

    app = create_app(queued)
    monkeypatch.setattr(queued.inbox, "put", busy)
    body = text("16505550109", "9", "wamid.BUSY")
    response = TestClient(app).post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_an_inbox_file_from_before_the_query_column_gets_it_when_opened(
    queued: Container, clock: FakeClock, tmp_path: Path
) -> None:
    if not is_sqlite(queued.engine):
        pytest.skip("the inbox file is SQLite's")
    database = tmp_path / "older" / "askwhy.db"
    database.parent.mkdir()
    old = sqlite3.connect(database.with_name("askwhy-inbox.db"))
    old.execute(
        "CREATE TABLE webhook_inbox (id INTEGER PRIMARY KEY, channel VARCHAR(20) NOT NULL,"
        " body BLOB NOT NULL, received_at DATETIME NOT NULL, attempts INTEGER NOT NULL,"
        " retry_at DATETIME, last_error TEXT)"
    )
    old.close()
    engine = make_engine(f"sqlite:///{database}")
    try:
        inbox = open_inbox(engine)
        inbox.put([Delivery(channel="twilio_status", body=b"x=1", query="key=abc", received_at=clock.now())])
        with inbox.reads() as session:
            [kept] = inbox.take(session=session, now=clock.now(), limit=10)
        assert kept.query == "key=abc"
        inbox.engine.dispose()
    finally:
        engine.dispose()
