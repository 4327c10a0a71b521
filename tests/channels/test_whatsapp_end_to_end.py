"""WhatsApp end to end, through the real app and a fake Graph API on 127.0.0.1: a moment event
invites a customer with the program's template; their webhook replies are stored once, answered
on the queue, and the answers reach the provider; statuses settle the messages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.whatsapp.sender import WhatsAppSender
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.domain.program import Program
from askwhy.outbox import delivery
from askwhy.programs.syncing import sync_programs
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.tables import Conversation, Message
from tests.channels import whatsapp_deliveries as wa
from tests.fakes.graph_api import FakeGraphApi

TOKEN = "EAAG-end-to-end"
PROGRAM: dict[str, Any] = {
    "id": "post-checkout",
    "name": "After checkout",
    "guide": "post-checkout",
    "moments": ["order_delivered"],
    "channels": [{"channel": "whatsapp", "template": {"name": "feedback_invitation", "language": "en_US",
                                                      "parameters": ["{first_name}"]}}],
    "timing": {"delay": "2h", "expires_after": "3d"},
}  # fmt: skip
PHONE = "447700900123"


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi(access_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def container(settings: Settings, clock: FakeClock, graph: FakeGraphApi) -> Iterator[Container]:
    configured = settings.model_copy(
        update={
            "whatsapp_app_secret": SecretStr(wa.APP_SECRET),
            "whatsapp_phone_number_id": wa.BUSINESS_NUMBER_ID,
            "whatsapp_access_token": SecretStr(TOKEN),
            "whatsapp_api_base_url": graph.base_url,
        }
    )
    sender = WhatsAppSender(phone_number_id=wa.BUSINESS_NUMBER_ID, access_token=SecretStr(TOKEN),
                            base_url=graph.base_url, timeout_seconds=2)  # fmt: skip
    built = bootstrap(configured, clock=clock, senders={Channel.WHATSAPP: sender}, embedder=HashingEmbedder())
    with built.sessions.begin() as session:
        program = Program.model_validate(PROGRAM)
        sync_programs(session=session, programs={"post-checkout": (program, Path("p.yaml"))}, now=clock.now())
    yield built
    built.close()
    sender.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def invite(client: TestClient, container: Container) -> str:
    with container.sessions.begin() as session:
        _, key = api_keys.create_key(
            session=session, name="e2e", scopes=api_keys.SCOPES, now=container.clock.now()
        )
    customer = {"id": "cust-1", "phone": f"+{PHONE}", "time_zone": "Europe/London",
                "attributes": {"first_name": "Ann"}, "consents": {"whatsapp": True}}  # fmt: skip
    body = {
        "customer": customer,
        "moment": "order_delivered",
        "occurred_at": container.clock.now().isoformat(),
    }
    response = client.post("/v1/events", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.text
    [decision] = response.json()["decisions"]
    assert decision["channel"] == "whatsapp"
    return str(decision["conversation_id"])


def webhook(client: TestClient, *messages: dict[str, Any], statuses: Sequence[dict[str, Any]] = ()) -> dict:
    body = wa.encode(wa.delivery(wa.value(messages=list(messages), statuses=statuses)))
    response = client.post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
    assert response.status_code == 200, response.text
    return dict(response.json())


def conversation_of(container: Container, conversation_id: str) -> tuple[Conversation, list[Message]]:
    with container.sessions() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        messages = list(session.scalars(select(Message).where(Message.conversation_id == conversation_id)
                                        .order_by(Message.seq, Message.id)))  # fmt: skip
        return conversation, messages


def test_an_invited_customer_answers_on_whatsapp_and_gets_each_next_question(
    client: TestClient, container: Container, graph: FakeGraphApi, clock: FakeClock
) -> None:
    conversation_id = invite(client, container)
    clock.advance(hours=2)
    assert delivery.deliver_due(ports=container.delivering) == {"sent": 1}
    [invitation] = graph.sent
    assert invitation["type"] == "template"
    assert invitation["template"]["name"] == "feedback_invitation"
    assert invitation["template"]["components"][0]["parameters"] == [{"type": "text", "text": "Ann"}]
    invitation_key = invitation["biz_opaque_callback_data"]

    clock.advance(minutes=5)
    webhook(client, statuses=[wa.status("wamid.FAKE00000001", "delivered", recipient=PHONE),
                              wa.status("wamid.FAKE00000001", "read", recipient=PHONE)])  # fmt: skip
    answered = webhook(client, wa.text("a solid 8", sender=PHONE, message_id="wamid.IN1"))
    assert answered == {"messages": 1, "statuses": 0}
    assert len(graph.sent) == 2
    why = graph.sent[1]
    assert why["type"] == "text"
    assert why["to"] == PHONE
    assert why["biz_opaque_callback_data"] != invitation_key

    retried = webhook(client, wa.text("a solid 8", sender=PHONE, message_id="wamid.IN1"))
    assert retried == {"messages": 1, "statuses": 0}
    assert len(graph.sent) == 2

    webhook(client, wa.text("the courier left it in the rain", sender=PHONE, message_id="wamid.IN2"))
    assert len(graph.sent) == 3
    conversation, messages = conversation_of(container, conversation_id)
    assert conversation.status == "active"
    assert conversation.state["score"] == 8
    inbound = [m.text for m in messages if m.direction == "in"]
    assert inbound == ["a solid 8", "the courier left it in the rain"]
    outbound = [m for m in messages if m.direction == "out"]
    assert [m.status for m in outbound] == ["read", "sent", "sent"]
    assert [m.provider_message_id for m in outbound] == [f"wamid.FAKE{n:08d}" for n in (1, 2, 3)]


def test_a_reply_refused_outside_the_24_hour_window_goes_again_as_the_template(
    client: TestClient, container: Container, graph: FakeGraphApi, clock: FakeClock
) -> None:
    invite(client, container)
    clock.advance(hours=2)
    delivery.deliver_due(ports=container.delivering)
    graph.fail_next("reengagement")
    webhook(client, wa.text("9", sender=PHONE))
    refused, resent = graph.received[1:]
    assert not refused.accepted
    assert refused.body["type"] == "text"
    assert resent.accepted
    assert resent.body["type"] == "template"
    assert resent.body["biz_opaque_callback_data"] == refused.body["biz_opaque_callback_data"]


def test_a_rate_limited_reply_is_retried_and_sent_once(
    client: TestClient, container: Container, graph: FakeGraphApi, clock: FakeClock
) -> None:
    invite(client, container)
    clock.advance(hours=2)
    delivery.deliver_due(ports=container.delivering)
    graph.fail_next("pair_rate_limit")
    webhook(client, wa.text("9", sender=PHONE))
    assert len(graph.sent) == 1  # the invitation; the reply waits for its retry
    clock.advance(minutes=10)
    delivery.deliver_due(ports=container.delivering)
    replies = graph.sent[1:]
    assert len(replies) == 1
    assert replies[0]["type"] == "text"
