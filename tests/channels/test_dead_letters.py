"""Poison isolation: each message and status of a delivery is stored or fails on its own; what
keeps failing goes, after a bounded number of tries, to the dead-letter list in the database,
with its reason in one line, and `askwhy inbox dead|retry|drop` act on it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import InboundEvent
from askwhy.cli import app as cli
from askwhy.cli.context import console
from askwhy.clock import FakeClock
from askwhy.conversations import inbound
from askwhy.conversations.webhook_storing import InboxStorer, Parsed, store_kept
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.dead_letters import DeadLetter
from askwhy.store.inbox import Delivery, Inbox, deliveries
from tests.channels import whatsapp_deliveries as wa
from tests.channels.test_whatsapp_route import graph, invite, stored_inbound, whatsapp_settings

__all__ = ["graph", "whatsapp_settings"]  # fixtures

ATTEMPTS = 3
PHONE = "16505550150"


@pytest.fixture
def queued(whatsapp_settings: Settings, clock: FakeClock) -> Iterator[Container]:
    """WhatsApp configured, the queue worked in the background, three tries before a dead letter."""
    settings = whatsapp_settings.model_copy(update={"queue_inline": False, "inbox_max_attempts": ATTEMPTS})
    built = bootstrap(settings, clock=clock, senders={})
    yield built
    built.close()


@pytest.fixture
def inbox(queued: Container) -> Iterator[Inbox]:
    opened = queued.inbox
    yield opened
    with opened.sessions.begin() as session:  # on PostgreSQL the table outlives the test
        session.execute(deliveries.delete())


@pytest.fixture
def failing(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Provider message ids whose storing fails, as a message no database takes would."""
    ids: set[str] = set()
    accept = inbound._accept_message

    def accept_or_fail(*, event: InboundEvent, **kwargs: Any) -> int | None:
        if event.provider_message_id in ids:
            raise ValueError(f"no database takes message {event.provider_message_id}")
        return accept(event=event, **kwargs)

    monkeypatch.setattr(inbound, "_accept_message", accept_or_fail)
    return ids


def two_messages(good: str, bad: str, *, bad_timestamp: str = "1749416383") -> bytes:
    messages = [
        wa.text("8", sender=PHONE, message_id=good),
        wa.text("because", sender=PHONE, message_id=bad, timestamp=bad_timestamp),
    ]
    return wa.encode(wa.delivery(wa.value(messages=messages)))


def keep(inbox: Inbox, clock: FakeClock, body: bytes, channel: str = "whatsapp") -> None:
    inbox.put([Delivery(channel=channel, body=body, received_at=clock.now())])


def letters(container: Container) -> list[DeadLetter]:
    with container.sessions() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def attempts_kept(inbox: Inbox) -> list[int]:
    with inbox.sessions() as session:
        return list(session.scalars(select(deliveries.c.attempts)))


def test_an_item_that_fails_to_store_leaves_the_one_beside_it_stored_then_is_a_dead_letter(
    queued: Container, inbox: Inbox, clock: FakeClock, failing: set[str], caplog: pytest.LogCaptureFixture
) -> None:
    invite(queued, PHONE)
    failing.add("wamid.POISON")
    body = two_messages("wamid.GOOD", "wamid.POISON")
    keep(inbox, clock, body)
    storer = InboxStorer(storing=queued.storing, inbox=inbox)
    with caplog.at_level(logging.DEBUG, logger="askwhy"):
        assert storer.store_due() == 1
        assert [m.provider_message_id for m in stored_inbound(queued)] == ["wamid.GOOD"]
        assert attempts_kept(inbox) == [1], "kept, to be tried again"
        assert letters(queued) == []
        for attempt in range(2, ATTEMPTS + 1):
            assert storer.store_due() == 0, "not due again yet"
            clock.advance(hours=1)
            assert storer.store_due() == 1
            assert attempts_kept(inbox) == ([attempt] if attempt < ATTEMPTS else [])
    [letter] = letters(queued)
    assert (letter.channel, letter.items, letter.attempts) == ("whatsapp", "wamid.POISON", ATTEMPTS)
    assert letter.reason == "wamid.POISON: ValueError: no database takes message wamid.POISON"
    assert letter.body == body
    assert letter.last_seen_at > letter.first_seen_at
    assert [m.provider_message_id for m in stored_inbound(queued)] == ["wamid.GOOD"], "stored once"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == ATTEMPTS, "one line a try"
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in warnings), "no traceback"
    assert "set aside as a dead letter" in warnings[-1].getMessage()
    assert any(r.levelno == logging.DEBUG and r.exc_info for r in caplog.records), "traceback at DEBUG"


def test_an_item_its_parser_refuses_is_a_dead_letter_at_once_and_the_good_one_is_stored(
    queued: Container, inbox: Inbox, clock: FakeClock
) -> None:
    invite(queued, PHONE)
    body = two_messages("wamid.FINE", "wamid.DOOMSDAY", bad_timestamp="253402300799")
    keep(inbox, clock, body)
    assert store_kept(storing=queued.storing, inbox=queued.inbox) == 1
    assert [m.provider_message_id for m in stored_inbound(queued)] == ["wamid.FINE"]
    assert inbox.count() == 0
    [letter] = letters(queued)
    assert (letter.items, letter.attempts) == ("wamid.DOOMSDAY", 1)
    assert "timestamp" in letter.reason


def test_an_unreadable_delivery_is_tried_a_bounded_number_of_times_then_set_aside_whole(
    queued: Container, inbox: Inbox, clock: FakeClock
) -> None:
    def unreadable(delivery: Delivery) -> Parsed:
        raise ValueError("this channel's parser is broken")

    keep(inbox, clock, b"\x00\xff", channel="broken")
    storer = InboxStorer(storing=queued.storing, inbox=inbox, parsers={"broken": unreadable})
    for _ in range(ATTEMPTS):
        assert storer.store_due() == 1
        clock.advance(hours=1)
    assert inbox.count() == 0
    [letter] = letters(queued)
    assert (letter.channel, letter.items, letter.attempts) == ("broken", None, ATTEMPTS)
    assert letter.reason == "ValueError: this channel's parser is broken"
    assert letter.body == b"\x00\xff"


def test_inline_a_failing_item_is_a_dead_letter_and_the_delivery_is_answered_200(
    whatsapp_settings: Settings, clock: FakeClock, failing: set[str]
) -> None:
    container = bootstrap(whatsapp_settings, clock=clock, senders={})
    try:
        invite(container, PHONE)
        failing.add("wamid.BAD")
        body = two_messages("wamid.OK", "wamid.BAD")
        with TestClient(create_app(container)) as client:
            response = client.post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
        assert response.status_code == 200
        assert [m.provider_message_id for m in stored_inbound(container)] == ["wamid.OK"]
        [letter] = letters(container)
        assert (letter.items, letter.attempts) == ("wamid.BAD", 1)
    finally:
        container.close()


def _cli(queued: Container, *args: str) -> Any:
    settings = queued.settings
    env = {
        "ASKWHY_DATABASE_URL": settings.resolved_database_url,
        "ASKWHY_DATA_DIR": str(settings.data_dir),
        "ASKWHY_GUIDES_DIR": str(settings.guides_dir),
        "COLUMNS": "200",
    }
    console.width = 200  # the CLI's console takes its width when made, not from COLUMNS at each run
    return CliRunner().invoke(cli, ["inbox", *args], env=env)


def test_askwhy_inbox_lists_retries_and_drops_dead_letters(
    queued: Container, inbox: Inbox, clock: FakeClock, failing: set[str]
) -> None:
    invite(queued, PHONE)
    failing.update({"wamid.LATER", "wamid.NEVER"})
    keep(inbox, clock, two_messages("wamid.A", "wamid.LATER"))
    keep(inbox, clock, two_messages("wamid.B", "wamid.NEVER"))
    storer = InboxStorer(storing=queued.storing, inbox=inbox)
    for _ in range(ATTEMPTS):
        storer.store_due()
        clock.advance(hours=1)
    later, never = letters(queued)
    listed = _cli(queued, "dead")
    assert listed.exit_code == 0, listed.output
    for letter in (later, never):
        line = next(line for line in listed.output.splitlines() if f" {letter.id} " in f" {line} ")
        assert "whatsapp" in line
        assert letter.items is not None
        assert letter.items in line
        assert f" {ATTEMPTS} " in line
    assert "no database takes" in listed.output

    failing.clear()  # whatever made it fail is fixed
    retried = _cli(queued, "retry", str(later.id))
    assert retried.exit_code == 0, retried.output
    assert "stored" in retried.output
    stored = [m.provider_message_id for m in stored_inbound(queued)]
    assert sorted(stored) == ["wamid.A", "wamid.B", "wamid.LATER"], "the good one not stored twice"

    dropped = _cli(queued, "drop", str(never.id))
    assert dropped.exit_code == 0, dropped.output
    assert letters(queued) == []
    missing = _cli(queued, "drop", str(never.id))
    assert missing.exit_code == 2
    assert f"no dead letter {never.id}" in missing.output
    assert "no dead letters" in _cli(queued, "dead").output
