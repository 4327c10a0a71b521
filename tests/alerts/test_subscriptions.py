"""Outbound event webhooks: subscriptions by API and CLI, signed events from where the facts are
recorded, a replay the receiver can spot, and no customer words beyond the redacted comment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from askwhy.alerts import routing, signing
from askwhy.alerts.destinations import Message, Status
from askwhy.alerts.destinations.webhook import SignedWebhook, render_event
from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.cli import app as cli
from askwhy.clock import FakeClock
from askwhy.service import api_keys
from askwhy.settings import Settings
from askwhy.store import subscriptions
from askwhy.store.notification_tables import Notification
from tests.alerts.alert_samples import alert, store_alert
from tests.fakes.alert_receivers import FakeWebhookReceiver

ALL_EVENTS = ["response.completed", "conversation.opted_out", "alert.opened", "alert.resolved"]


@pytest.fixture
def container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    built = bootstrap(settings, clock=clock, embedder=HashingEmbedder())
    yield built
    built.close()


def key(container: Container, *scopes: str) -> dict[str, str]:
    with container.sessions.begin() as session:
        _, text = api_keys.create_key(
            session=session, name="ops", scopes=list(scopes), now=container.clock.now()
        )
    return {"Authorization": f"Bearer {text}"}


def subscribe(client: TestClient, container: Container, url: str, events: list[str]) -> dict[str, Any]:
    response = client.post(
        "/v1/webhook-subscriptions",
        json={"url": url, "events": events},
        headers=key(container, "alerts:write"),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_subscription_shows_its_secret_once_and_needs_alerts_write(
    client: TestClient, container: Container
) -> None:
    created = subscribe(client, container, "https://hooks.acme.example/askwhy", ["alert.opened"])
    assert created["secret"].startswith("whsec_")
    reader = key(container, "read")
    listed = client.get("/v1/webhook-subscriptions", headers=reader).json()
    assert [s["id"] for s in listed] == [created["id"]]
    assert listed[0]["secret"] is None
    refused = client.post(
        "/v1/webhook-subscriptions",
        json={"url": "https://x.example", "events": ["alert.opened"]},
        headers=reader,
    )
    assert refused.status_code == 403
    wrong = client.post(
        "/v1/webhook-subscriptions",
        json={"url": "https://x.example", "events": ["alert.exploded"]},
        headers=key(container, "alerts:write"),
    )
    assert wrong.status_code == 422
    assert "events" in wrong.text
    gone = client.delete(f"/v1/webhook-subscriptions/{created['id']}", headers=key(container, "alerts:write"))
    assert gone.status_code == 204


def test_an_opened_alert_reaches_its_subscriber_signed(client: TestClient, container: Container) -> None:
    with FakeWebhookReceiver() as receiver:
        created = subscribe(client, container, receiver.url, ["alert.opened"])
        receiver.secret = created["secret"]
        with container.sessions.begin() as session:
            store_alert(session, alert(), opened_at=container.clock.now())
        routing.route_alerts(ports=routing.Routing(container.sessions, container.clock, container.settings))
    (received,) = receiver.verified
    event = received.json
    assert event["type"] == "alert.opened"
    assert event["data"]["alert"]["label"] == "late delivery"
    assert received.headers["webhook-id"].startswith("msg_")


def test_a_replayed_delivery_carries_the_same_webhook_id_so_the_receiver_spots_it() -> None:
    secret = signing.new_secret()
    payload = render_event(Message(event="alert.opened", title="t", summary="s", link="", data={"a": 1}))
    with FakeWebhookReceiver(secret=secret) as receiver:
        webhook = SignedWebhook(receiver.url, secret)
        assert webhook.notify(payload, notification_id="abc").status is Status.DELIVERED
        assert webhook.notify(payload, notification_id="abc").status is Status.DELIVERED
    assert receiver.replays == ["msg_abc"]


def chat_to_the_end(client: TestClient, replies: list[str]) -> str:
    started = client.post("/v1/conversations", json={"program": "post-checkout", "language": "en"})
    assert started.status_code == 201, started.text
    conversation_id, token = started.json()["conversation_id"], started.json()["token"]
    for text in replies:
        answer = client.post(
            f"/v1/conversations/{conversation_id}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        if answer.json().get("status") != "active":
            break
    return str(conversation_id)


def test_a_completed_response_is_sent_with_its_redacted_comment_only(
    client: TestClient, container: Container
) -> None:
    with FakeWebhookReceiver() as receiver:
        receiver.secret = subscribe(client, container, receiver.url, ["response.completed"])["secret"]
        chat_to_the_end(
            client,
            [
                "4",
                "The courier was late, call me on +44 7911 123456 or mail ana@example.org",
                "It came a week late",
            ]
            + ["no"] * 6,
        )
    (received,) = receiver.verified
    data = received.json["data"]
    assert received.json["type"] == "response.completed"
    assert data["score"] == 4
    assert "courier was late" in data["comment_redacted"]
    body = received.body.decode()
    assert "ana@example.org" not in body
    assert "7911 123456" not in body
    assert "answers" not in data
    assert "contact_id" not in data


def test_an_opt_out_is_sent_once(client: TestClient, container: Container) -> None:
    with FakeWebhookReceiver() as receiver:
        receiver.secret = subscribe(client, container, receiver.url, ["conversation.opted_out"])["secret"]
        conversation_id = chat_to_the_end(client, ["STOP"])
    (received,) = receiver.verified
    assert received.json["type"] == "conversation.opted_out"
    assert received.json["data"]["conversation_id"] == conversation_id
    with container.sessions() as session:
        assert len(list(session.scalars(select(Notification)))) == 1


def test_webhooks_are_managed_from_the_command_line(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = container.settings
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASKWHY_SEED_DEMO", "false")
    runner = CliRunner()
    with FakeWebhookReceiver() as receiver:
        added = runner.invoke(cli, ["webhooks", "add", receiver.url, "--event", "alert.opened"])
        assert added.exit_code == 0, added.output
        receiver.secret = next(w for w in added.output.split() if w.startswith("whsec_"))
        listed = runner.invoke(cli, ["webhooks", "list"])
        assert listed.exit_code == 0, listed.output
        assert "alert.opened" in listed.output
        with container.sessions() as session:
            (row,) = subscriptions.list_subscriptions(session=session)
        tested = runner.invoke(cli, ["webhooks", "test", row.id])
        assert tested.exit_code == 0, tested.output
        assert receiver.verified[0].json["type"] == "test"
        assert runner.invoke(cli, ["webhooks", "remove", row.id]).exit_code == 0
        assert runner.invoke(cli, ["webhooks", "test", row.id]).exit_code == 2
