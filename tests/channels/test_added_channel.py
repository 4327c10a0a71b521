"""A channel added at start-up, the way docs/architecture.md's checklist says (Pigeon, in
tests/fakes/pigeon_channel/): a moment event invites a customer on it, the invitation reaches its
API, the customer's reply comes back through its signed webhook into the same inbox path as
WhatsApp's, and the interviewer's answer goes out on it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain import channels as channel_table
from askwhy.domain.program import Program
from askwhy.outbox import delivery
from askwhy.programs.syncing import sync_programs
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.tables import Message
from tests.fakes.pigeon_channel import ADAPTER, PIGEON
from tests.fakes.pigeon_channel.loft import PigeonLoft
from tests.fakes.pigeon_channel.webhook import SIGNATURE_HEADER, signature

SECRET = "pigeon-secret"
PHONE = "+447700900555"
PROGRAM: dict[str, Any] = {
    "id": "post-checkout",
    "name": "After checkout",
    "guide": "post-checkout",
    "moments": ["order_delivered"],
    "channels": [{"channel": "pigeon", "consent": "none"}],
}


@pytest.fixture
def loft() -> Iterator[PigeonLoft]:
    with PigeonLoft(secret=SECRET) as fake:
        yield fake


@pytest.fixture
def container(
    settings: Settings, clock: FakeClock, loft: PigeonLoft, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    monkeypatch.setenv("ASKWHY_PIGEON_SECRET", SECRET)
    monkeypatch.setenv("ASKWHY_PIGEON_API_URL", loft.base_url)
    built = bootstrap(settings, clock=clock, channels=(ADAPTER,), embedder=HashingEmbedder())
    with built.sessions.begin() as session:
        program = Program.model_validate(PROGRAM)
        sync_programs(session=session, programs={"post-checkout": (program, Path("p.yaml"))}, now=clock.now())
    yield built
    built.close()
    channel_table.FACTS.pop(PIGEON, None)  # the table as askwhy ships it, for the tests after


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def invite(client: TestClient, container: Container) -> str:
    with container.sessions.begin() as session:
        _, key = api_keys.create_key(
            session=session, name="pigeon", scopes=api_keys.SCOPES, now=container.clock.now()
        )
    body = {
        "customer": {"id": "cust-1", "phone": PHONE, "time_zone": "Europe/London"},
        "moment": "order_delivered",
        "occurred_at": container.clock.now().isoformat(),
    }
    response = client.post("/v1/events", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.text
    [decision] = response.json()["decisions"]
    assert decision["channel"] == "pigeon"
    return str(decision["conversation_id"])


def reply(client: TestClient, text: str, provider_id: str, *, secret: str = SECRET) -> Any:
    body = json.dumps({"messages": [{"id": provider_id, "from": PHONE, "text": text}]}).encode()
    headers = {SIGNATURE_HEADER: signature(secret=secret, body=body), "Content-Type": "application/json"}
    return client.post("/webhooks/pigeon", content=body, headers=headers)


def test_an_added_channel_invites_hears_the_reply_through_its_webhook_and_answers(
    client: TestClient, container: Container, loft: PigeonLoft
) -> None:
    conversation_id = invite(client, container)
    delivery.deliver_due(ports=container.delivering)
    [invitation] = loft.sent
    assert invitation["to"] == PHONE
    assert "recommend" in invitation["text"]

    answered = reply(client, "9", "pigeon-in-1")
    assert answered.status_code == 200, answered.text
    assert answered.json() == {"messages": 1, "statuses": 0}
    delivery.deliver_due(ports=container.delivering)

    assert len(loft.sent) == 2, "the interviewer's next question went out on Pigeon"
    assert loft.sent[1]["to"] == PHONE
    assert loft.sent[1]["text"] != invitation["text"]
    with container.sessions() as session:
        stored = session.scalars(select(Message).where(Message.conversation_id == conversation_id)).all()
        inbound = [(m.channel, m.text, m.provider_message_id) for m in stored if m.direction == "in"]
        outbound = [m.text for m in stored if m.direction == "out"]
    assert inbound == [("pigeon", "9", "pigeon-in-1")]
    assert outbound[-1] == loft.sent[1]["text"]


def test_the_added_channels_webhook_refuses_a_wrong_signature_and_a_retry_is_stored_once(
    client: TestClient, container: Container, loft: PigeonLoft
) -> None:
    invite(client, container)
    assert reply(client, "9", "pigeon-in-1", secret="not-ours").status_code == 403
    assert reply(client, "9", "pigeon-in-1").status_code == 200
    assert reply(client, "9", "pigeon-in-1").status_code == 200  # Pigeon retried the delivery
    with container.sessions() as session:
        stored = session.scalars(select(Message.provider_message_id).where(Message.direction == "in")).all()
    assert stored == ["pigeon-in-1"]


def test_a_channel_nobody_added_has_no_webhook(client: TestClient) -> None:
    assert client.post("/webhooks/telegram", content=b"{}").status_code == 404
