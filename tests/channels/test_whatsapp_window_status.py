"""A reply WhatsApp accepted, then reported ``failed`` with error 131047 (the customer's 24-hour
window had closed) by a status webhook, goes again as the program's template, once: as when the
send itself is refused with 131047."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.clock import FakeClock
from askwhy.outbox import delivery
from askwhy.store.tables import Message
from tests.channels import whatsapp_deliveries as wa
from tests.channels.test_whatsapp_end_to_end import PHONE, client, container, graph, invite, webhook
from tests.fakes.graph_api import FakeGraphApi

__all__ = ["client", "container", "graph"]  # fixtures


def test_a_failed_status_outside_the_window_sends_the_reply_again_as_the_template(
    client: TestClient, container: Container, graph: FakeGraphApi, clock: FakeClock
) -> None:
    invite(client, container)
    clock.advance(hours=2)
    delivery.deliver_due(ports=container.delivering)
    webhook(client, wa.text("9", sender=PHONE))
    _, reply = graph.sent
    assert reply["type"] == "text"
    reply_id = "wamid.FAKE00000002"

    refused = wa.status(reply_id, "failed", recipient=PHONE, error=(131047, "Re-engagement message"))
    webhook(client, statuses=[refused])
    assert len(graph.sent) == 3
    resent = graph.sent[2]
    assert resent["type"] == "template"
    assert resent["template"]["name"] == "feedback_invitation"
    assert resent["biz_opaque_callback_data"] == reply["biz_opaque_callback_data"]
    with container.sessions() as session:
        message = session.scalars(
            select(Message).where(Message.idempotency_key == reply["biz_opaque_callback_data"])
        ).one()
    assert message.status == "sent"
    assert message.payload["template"]["name"] == "feedback_invitation"

    webhook(client, statuses=[refused])
    failed_again = wa.status("wamid.FAKE00000003", "failed", recipient=PHONE, error=(131047, "Re-engagement"))
    webhook(client, statuses=[failed_again])
    assert len(graph.sent) == 3, "sent again once, and never a template twice"


def test_other_failures_by_status_are_recorded_not_resent(
    client: TestClient, container: Container, graph: FakeGraphApi, clock: FakeClock
) -> None:
    invite(client, container)
    clock.advance(hours=2)
    delivery.deliver_due(ports=container.delivering)
    webhook(client, wa.text("9", sender=PHONE))
    undeliverable = wa.status(
        "wamid.FAKE00000002", "failed", recipient=PHONE, error=(131026, "Undeliverable")
    )
    webhook(client, statuses=[undeliverable])
    assert len(graph.sent) == 2
    with container.sessions() as session:
        message = session.scalars(
            select(Message).where(Message.provider_message_id == "wamid.FAKE00000002")
        ).one()
    assert (message.status, message.error_code) == ("failed", "131026")
