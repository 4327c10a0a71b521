"""Erasure: nothing of the customer is left in any table or column; anonymous aggregates stay."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import LargeBinary, select

from askwhy.bootstrap import Container
from askwhy.channels.base import InboundEvent, StatusEvent
from askwhy.clock import FakeClock
from askwhy.conversations import inbound
from askwhy.domain.conversation import Channel
from askwhy.outbox import delivery
from askwhy.store.api_tables import IdempotencyRecord
from askwhy.store.base import Base
from askwhy.store.inbox import Delivery, deliveries
from askwhy.store.program_tables import ContactDecision
from askwhy.store.registry import import_all_tables
from askwhy.store.tables import Message, Response
from tests.channels import whatsapp_deliveries as wa

from .conftest import event

CUSTOMER = "cust-erase-7f3a"
PHONE = "+447700900123"
EMAIL = "zebedee.quill@example.org"
WORDS = ["the courier Zebedee left it in the rain", "Flat 4B Marigold Court"]


def everything(container: Container) -> list[str]:
    """Every stored value of every table, as text."""
    import_all_tables()
    values = []
    with container.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if not isinstance(c.type, LargeBinary)]
            for row in connection.execute(select(*columns)):
                values.extend(str(value) for value in row if value is not None)
    return values


def test_erasing_a_customer_leaves_nothing_behind(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    body = event(CUSTOMER, phone=PHONE, email=EMAIL, id="order-991", attributes={"order": "991"})
    retried = {**auth, "Idempotency-Key": "retry-7f3a"}
    conversation_id = client.post("/v1/events", json=body, headers=retried).json()["decisions"][0][
        "conversation_id"
    ]
    clock.advance(hours=2)
    delivery.deliver_due(ports=container.delivering)
    with container.sessions.begin() as session:
        sent = session.scalars(select(Message).where(Message.conversation_id == conversation_id)).one()
        replies = [
            StatusEvent(
                Channel.WHATSAPP,
                sent.provider_message_id or "",
                "read",
                clock.now(),
                raw={"recipient_id": PHONE.lstrip("+"), "status": "read"},
            ),
            InboundEvent(Channel.WHATSAPP, "wamid.1", PHONE.lstrip("+"), "3", clock.now()),
            InboundEvent(Channel.WHATSAPP, "wamid.2", PHONE.lstrip("+"), WORDS[0], clock.now()),
            InboundEvent(Channel.WHATSAPP, "wamid.3", PHONE.lstrip("+"), WORDS[1], clock.now()),
            InboundEvent(Channel.WHATSAPP, "wamid.4", PHONE.lstrip("+"), "stop", clock.now()),
        ]
        inbound.accept_events(session=session, jobs=container.jobs, events=replies, now=clock.now())
    with container.sessions.begin() as session:
        response = session.scalars(select(Response)).one()
        response.segment = {"plan": "gold", "email": EMAIL, "ref": f"{CUSTOMER}/x"}
    with container.sessions() as session:
        assert session.scalars(select(IdempotencyRecord)).all(), "the answer is kept for retries"
    before = "\n".join(everything(container))
    for secret in (CUSTOMER, PHONE, EMAIL, *WORDS):
        assert secret in before, f"the test should have stored {secret!r} somewhere"

    denied = client.delete(f"/v1/customers/{CUSTOMER}", headers={"X-API-Key": _reader(container)})
    assert denied.status_code == 403
    erased = client.delete(f"/v1/customers/{CUSTOMER}", headers=auth)
    assert erased.status_code == 200, erased.text
    assert erased.json()["erased"] is True

    after = everything(container)
    for secret in (
        CUSTOMER,
        PHONE,
        PHONE.lstrip("+"),
        EMAIL,
        "Zebedee",
        "Marigold",
        "order-991",
        conversation_id,
    ):
        leftovers = [value for value in after if secret in value]
        assert not leftovers, f"{secret!r} is still stored: {leftovers[:3]}"
    with container.sessions.begin() as session:
        kept = session.scalars(select(Response)).one()
        assert (kept.score, kept.band, kept.program, kept.channel) == (
            3,
            "detractor",
            "post-checkout",
            "whatsapp",
        )
        assert (kept.comment, kept.answers, kept.contact_id, kept.conversation_id) == ("", [], None, None)
        assert kept.segment == {"plan": "gold"}
        decision = session.scalars(select(ContactDecision)).one()
        assert (decision.kind, decision.contact_id, decision.event_id) == ("invited", None, None)
    assert client.delete(f"/v1/customers/{CUSTOMER}", headers=auth).status_code == 404


def _reader(container: Container) -> str:
    from askwhy.service import api_keys

    with container.sessions.begin() as session:
        return api_keys.create_key(session=session, name="r", scopes=["read"], now=container.clock.now())[1]


def test_erasing_a_customer_forgets_what_the_webhook_inbox_still_keeps_of_them(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    body = event(CUSTOMER, phone=PHONE, email=EMAIL)
    assert client.post("/v1/events", json=body, headers=auth).status_code == 201
    number = PHONE.lstrip("+")
    theirs = wa.encode(wa.delivery(wa.value(messages=[wa.text(WORDS[1], sender=number)])))
    about_them = wa.encode(wa.delivery(wa.value(statuses=[wa.status("wamid.X", "read", recipient=number)])))
    unreadable = b'{"from": "' + number.encode() + b'"'
    mentions_them = wa.encode(
        wa.delivery(
            wa.value(messages=[wa.text(f"my friend {CUSTOMER} is on {number}", sender="447700900999")])
        )
    )
    inbox = container.inbox
    bodies = (theirs, about_them, unreadable, mentions_them)
    inbox.put([Delivery(channel="whatsapp", body=b, received_at=clock.now()) for b in bodies])
    try:
        assert client.delete(f"/v1/customers/{CUSTOMER}", headers=auth).status_code == 200
        with inbox.sessions() as session:
            assert session.scalars(select(deliveries.c.body)).all() == [mentions_them]
    finally:
        with inbox.sessions.begin() as session:
            session.execute(deliveries.delete())
