"""Erasure leaves nothing on disk: after `DELETE /v1/customers/{id}`, no file in the data folder
(database, webhook inbox, queue, their logs) holds a byte of the customer's phone number, name or
words, with the queue worked in the background as `askwhy serve` does (so WhatsApp deliveries
pass through the inbox file on SQLite). On PostgreSQL the data folder holds the queue; the
database's own files are the server's, so its tables are read row by row instead."""

from __future__ import annotations

import html
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import RecordingSender, Sender
from askwhy.clock import FakeClock
from askwhy.conversations import receive_message, start_conversation
from askwhy.conversations.closing import end_conversation
from askwhy.conversations.webhook_storing import store_kept
from askwhy.domain.conversation import Channel, ConversationStatus, Inbound
from askwhy.privacy.exports import record_exports
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.base import Base
from askwhy.store.database import is_sqlite
from askwhy.store.dead_letters import add_dead_letter
from askwhy.store.inbox import Delivery, deliveries
from askwhy.store.messaging_tables import DeliveryEvent
from askwhy.store.registry import import_all_tables
from askwhy.store.tables import Contact, Message
from tests.channels import twilio_forms as tw
from tests.channels import whatsapp_deliveries as wa

CUSTOMER = "cust-erase-on-disk"
PHONE = "+447700900187"
NAME = ("Zebedee", "Quillfeather")
WHATSAPP_WORDS = "the courier Zebedee left my parcel in the rain by the Marigold gate"
SET_ASIDE = "my Marigold gate code is 4471"
SMS_WORDS = "Your driver rang the bell at Cobblestone Lane twice and waited"
CHAT_WORDS = "Checkout kept asking for my Periwinkle voucher again and again"
SECRETS = (PHONE, PHONE.lstrip("+"), *NAME, WHATSAPP_WORDS, SMS_WORDS, CHAT_WORDS, SET_ASIDE, CUSTOMER)


@pytest.fixture
def served(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    """WhatsApp and Twilio SMS configured, the queue in the data folder, worked in the background."""
    configured = settings.model_copy(
        update={
            "queue_inline": False,
            "public_base_url": tw.PUBLIC,
            "whatsapp_phone_number_id": wa.BUSINESS_NUMBER_ID,
            "whatsapp_access_token": SecretStr("EAAG-test-token"),
            "whatsapp_app_secret": SecretStr(wa.APP_SECRET),
            "whatsapp_verify_token": SecretStr("verify"),
            "twilio_account_sid": tw.ACCOUNT,
            "twilio_auth_token": SecretStr(tw.TOKEN),
            "twilio_sms_from": tw.BUSINESS,
        }
    )
    senders: dict[Channel, Sender] = {c: RecordingSender(c) for c in (Channel.WHATSAPP, Channel.SMS)}
    built = bootstrap(configured, clock=clock, senders=senders, embedder=HashingEmbedder())
    yield built
    built.close()


def test_no_file_in_the_data_folder_keeps_an_erased_customer(
    served: Container, settings: Settings, clock: FakeClock, tmp_path_factory: pytest.TempPathFactory
) -> None:
    app = TestClient(create_app(served), base_url="http://askwhy-internal:8000")
    conversations = _invited(served)
    _write_on_whatsapp(app, served)
    _write_by_sms(app)
    _write_on_web_chat(served, conversations[Channel.WEB])
    _work_the_queue(served)
    with served.sessions.begin() as session:
        for conversation_id in conversations.values():
            end_conversation(
                session=session,
                guides=served.guides,
                conversation_id=conversation_id,
                status=ConversationStatus.COMPLETED,
                now=clock.now(),
            )
    _work_the_queue(served)
    with served.sessions() as session:
        texts = set(session.scalars(select(Message.text).where(Message.direction == "in")))
    assert {WHATSAPP_WORDS, SMS_WORDS, CHAT_WORDS} <= texts
    _set_aside(served, SET_ASIDE)
    leftover = wa.encode(wa.delivery(wa.value(messages=[wa.text("one more thing", sender=PHONE[1:])])))
    assert app.post("/webhooks/whatsapp", content=leftover, headers=wa.headers(leftover)).status_code == 200
    assert _found(settings.data_dir, served), "the test should have written them somewhere"
    quoting, other = _exports(tmp_path_factory.mktemp("reports"), settings.data_dir)

    erased = app.delete(f"/v1/customers/{CUSTOMER}", headers={"X-API-Key": _eraser(served)})
    assert erased.status_code == 200, erased.text
    assert erased.json()["conversations"] == 3
    assert erased.json()["files_wiped"] is True
    assert erased.json()["exports_deleted"] == len(quoting)

    assert _found(settings.data_dir, served) == {}
    assert not any(path.exists() for path in quoting)
    assert other.exists()


def _invited(container: Container) -> dict[Channel, str]:
    """The customer, with a conversation on each channel, its opening question asked."""
    now = container.clock.now()
    ids = {}
    with container.sessions.begin() as session:
        contact = Contact(
            external_id=CUSTOMER,
            phone=PHONE,
            attributes={"first_name": NAME[0], "last_name": NAME[1]},
            created_at=now,
        )
        session.add(contact)
        session.flush()
        for channel in (Channel.WHATSAPP, Channel.SMS, Channel.WEB):
            reply = start_conversation(
                session=session,
                guide=container.guides["post-checkout"],
                program="post-checkout",
                channel=channel,
                channel_address=None if channel is Channel.WEB else PHONE,
                contact_id=contact.id,
                now=now,
            )
            ids[channel] = reply.conversation_id
    return ids


def _write_on_whatsapp(app: TestClient, container: Container) -> None:
    number = PHONE.lstrip("+")
    for words in ("3", WHATSAPP_WORDS):
        body = wa.encode(
            wa.delivery(
                wa.value(
                    messages=[wa.text(words, sender=number)],
                    contacts=[wa.contact(number, name=" ".join(NAME))],
                )
            )
        )
        assert app.post("/webhooks/whatsapp", content=body, headers=wa.headers(body)).status_code == 200
    assert container.inbox.path is None or container.inbox.count() == 2, "kept in the inbox file"
    assert store_kept(storing=container.storing, inbox=container.inbox) == 2


def _write_by_sms(app: TestClient) -> None:
    for words in ("4", SMS_WORDS):
        form = tw.sms_form(words, sender=PHONE)
        assert tw.post(app, "/webhooks/twilio/sms", form).status_code == 200


def _write_on_web_chat(container: Container, conversation_id: str) -> None:
    for words in ("5", CHAT_WORDS):
        with container.sessions.begin() as session:
            receive_message(
                session=session,
                guides=container.guides,
                conversation_id=conversation_id,
                inbound=Inbound(text=words),
                channel=Channel.WEB,
                now=container.clock.now(),
            )


def _exports(folder: Path, data_dir: Path) -> tuple[list[Path], Path]:
    """Report files askwhy wrote outside the data folder: two quote the customer, one does not."""
    page, summary, other = folder / "report.html", folder / "summary.json", folder / "themes.csv"
    page.write_text(f"<q>{html.escape(CHAT_WORDS)}</q>", encoding="utf-8")
    summary.write_text(json.dumps({"quotes": [SMS_WORDS], "note": PHONE}), encoding="utf-8")
    other.write_text("id,label\nt1,late delivery\n", encoding="utf-8")
    record_exports(data_dir=data_dir, paths=[page, summary, other])
    return [page, summary], other


def _set_aside(container: Container, words: str) -> None:
    """A delivery of theirs on the dead-letter list, as one that kept failing to store."""
    body = wa.encode(wa.delivery(wa.value(messages=[wa.text(words, sender=PHONE.lstrip("+"))])))
    now = container.clock.now()
    with container.sessions.begin() as session:
        add_dead_letter(
            session=session,
            delivery=Delivery(channel="whatsapp", body=body, received_at=now),
            reason="kept failing",
            attempts=5,
            last_seen=now,
        )


def _work_the_queue(container: Container) -> None:
    """Run what the queue holds, as a worker would: turns, sends, analysis."""
    huey = container.jobs.huey
    for _ in range(200):
        task = huey.dequeue()
        if task is None:
            return
        huey.execute(task)
    raise AssertionError("the queue did not run dry")


def _eraser(container: Container) -> str:
    with container.sessions.begin() as session:
        return api_keys.create_key(
            session=session, name="privacy", scopes=api_keys.SCOPES, now=container.clock.now()
        )[1]


def _found(folder: Path, container: Container) -> dict[str, list[str]]:
    """Where each secret still is: a file of the data folder (as UTF-8, or UTF-16 as SQLite may
    store text), or, on PostgreSQL, a table's rows."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for secret in SECRETS:
            if any(secret.encode(codec) in data for codec in ("utf-8", "utf-16-le", "utf-16-be")):
                found.setdefault(secret, []).append(path.name)
    if not is_sqlite(container.engine):
        for table, value in _rows(container):
            for secret in SECRETS:
                if secret.encode() in value:
                    found.setdefault(secret, []).append(f"table {table}")
    return found


def _rows(container: Container) -> Iterator[tuple[str, bytes]]:
    import_all_tables()
    with container.engine.connect() as connection:
        for table in [*Base.metadata.sorted_tables, deliveries]:
            for row in connection.execute(select(table)):
                for value in row:
                    if value is not None:
                        yield table.name, value if isinstance(value, bytes) else str(value).encode()


def test_a_log_held_by_a_reader_is_said_so_and_the_erasure_still_stands(
    served: Container, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not is_sqlite(served.engine):
        pytest.skip("write-ahead log files are SQLite's")
    monkeypatch.setattr("askwhy.store.freed_space.CHECKPOINT_WAIT_MS", 50)
    app = TestClient(create_app(served), base_url="http://askwhy-internal:8000")
    _invited(served)
    key = _eraser(served)
    reader = sqlite3.connect(served.engine.url.database or "")
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM contacts").fetchone()  # holds the snapshot before erasure
        erased = app.delete(f"/v1/customers/{CUSTOMER}", headers={"X-API-Key": key})
    finally:
        reader.close()
    assert erased.status_code == 200, erased.text
    assert erased.json()["files_wiped"] is False
    assert app.delete(f"/v1/customers/{CUSTOMER}", headers={"X-API-Key": key}).status_code == 404


def test_a_twilio_status_still_kept_in_the_inbox_is_erased_with_its_customer(
    served: Container, settings: Settings
) -> None:
    app = TestClient(create_app(served), base_url="http://askwhy-internal:8000")
    _invited(served)
    form = tw.status_form(tw.sid("SM"), "delivered", To=PHONE)
    assert tw.post(app, "/webhooks/twilio/status", form).status_code == 200
    assert served.inbox.count() == 1
    erased = app.delete(f"/v1/customers/{CUSTOMER}", headers={"X-API-Key": _eraser(served)})
    assert erased.status_code == 200
    assert served.inbox.count() == 0
    assert PHONE.lstrip("+") not in _found(settings.data_dir, served)


def test_a_status_arriving_after_the_erasure_does_not_bring_the_number_back(
    served: Container, settings: Settings
) -> None:
    app = TestClient(create_app(served), base_url="http://askwhy-internal:8000")
    _invited(served)
    assert app.delete(f"/v1/customers/{CUSTOMER}", headers={"X-API-Key": _eraser(served)}).status_code == 200
    late = wa.encode(wa.delivery(wa.value(statuses=[wa.status("wamid.late1", "read", recipient=PHONE[1:])])))
    assert app.post("/webhooks/whatsapp", content=late, headers=wa.headers(late)).status_code == 200
    store_kept(storing=served.storing, inbox=served.inbox)
    with served.sessions() as session:
        kept = [event.raw for event in session.scalars(select(DeliveryEvent))]
    assert kept, "the late status is kept, as every status is"
    assert all(PHONE.lstrip("+") not in json.dumps(raw) for raw in kept)
