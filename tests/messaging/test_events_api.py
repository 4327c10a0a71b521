"""The events API: keys and scopes, validation naming each field, idempotency, and decisions with
their reasons, an invitation written to the outbox in the same transaction as its decision."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from askwhy.bootstrap import Container
from askwhy.service import api_keys
from askwhy.store.api_tables import ApiKey
from askwhy.store.program_tables import ContactDecision, MomentEvent
from askwhy.store.tables import Contact, Conversation, Message

from .conftest import event


def count(container: Container, table: Any) -> int:
    with container.sessions.begin() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_events_need_a_valid_key_with_the_events_scope(
    client: TestClient, container: Container, program: Any
) -> None:
    assert client.post("/v1/events", json=event()).status_code == 401
    assert (
        client.post("/v1/events", json=event(), headers={"Authorization": "Bearer aw_x_y"}).status_code == 401
    )
    with container.sessions.begin() as session:
        _, reader = api_keys.create_key(session=session, name="r", scopes=["read"], now=container.clock.now())
    forbidden = client.post("/v1/events", json=event(), headers={"X-API-Key": reader})
    assert forbidden.status_code == 403
    assert "events:write" in forbidden.json()["detail"]
    assert count(container, MomentEvent) == 0


def test_keys_are_stored_hashed_and_can_be_revoked(
    client: TestClient, container: Container, api_key: str, program: Any
) -> None:
    key_id, secret = api_key.split("_")[1:]
    with container.sessions.begin() as session:
        stored = session.get(ApiKey, key_id)
        assert stored is not None
        assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in str([stored.id, stored.name, stored.secret_hash, stored.scopes])
        api_keys.revoke_key(session=session, key_id=key_id, now=container.clock.now())
    assert client.post("/v1/events", json=event(), headers={"X-API-Key": api_key}).status_code == 401


def test_an_event_invites_and_the_decision_is_visible(
    client: TestClient, container: Container, auth: dict, program: Any
) -> None:
    response = client.post("/v1/events", json=event(), headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    [decision] = body["decisions"]
    assert decision["kind"] == "invited"
    assert decision["reason"] == "eligible"
    assert decision["channel"] == "whatsapp"
    assert decision["send_at"] == "2026-01-05T12:00:00Z"
    with container.sessions.begin() as session:
        conversation = session.get(Conversation, decision["conversation_id"])
        assert conversation is not None
        assert (conversation.status, conversation.channel_address) == ("invited", "+447700900123")
        [invitation] = conversation.messages
        assert (invitation.status, invitation.to_address) == ("pending", "+447700900123")
        assert invitation.next_attempt_at == datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
        assert invitation.payload["template"] == {
            "name": "feedback_invitation", "language": "en_US", "parameters": ["Ann"],
        }  # fmt: skip
    shown = client.get(f"/v1/events/{body['id']}", headers=auth).json()
    assert shown["decisions"][0]["reason"] == "eligible"
    listed = client.get("/v1/decisions", params={"customer": "cust-1"}, headers=auth).json()
    assert [d["kind"] for d in listed["decisions"]] == ["invited"]


def test_every_skip_is_recorded_with_its_reason(client: TestClient, auth: dict, program: Any) -> None:
    first = client.post("/v1/events", json=event(), headers=auth).json()
    capped = client.post("/v1/events", json=event(), headers=auth).json()
    unreachable = client.post("/v1/events", json=event("c2", phone=None, email=None), headers=auth).json()
    no_consent = client.post("/v1/events", json=event("c3", email=None, consents={}), headers=auth).json()
    assert first["decisions"][0]["kind"] == "invited"
    assert [d["reason"] for d in capped["decisions"]] == ["capped"]
    assert [d["reason"] for d in unreachable["decisions"]] == ["no_reachable_channel"]
    assert [d["reason"] for d in no_consent["decisions"]] == ["no_consent"]
    listed = client.get("/v1/decisions", params={"customer": "cust-1"}, headers=auth).json()["decisions"]
    assert [d["reason"] for d in listed] == ["capped", "eligible"]


def test_a_moment_no_program_listens_to_is_stored_without_decisions(
    client: TestClient, auth: dict, program: Any
) -> None:
    body = client.post("/v1/events", json=event(moment="newsletter_opened"), headers=auth).json()
    assert body["decisions"] == []


def test_invalid_input_is_a_422_naming_each_field_and_stores_nothing(
    client: TestClient, container: Container, auth: dict, program: Any
) -> None:
    bad = event(phone="12", email="not-an-email", time_zone="Mars/Olympus")
    bad["occurred_at"] = "2026-01-05T10:00:00"  # no offset
    bad["moment"] = "Order Delivered"
    response = client.post("/v1/events", json=bad, headers=auth)
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"customer.phone", "customer.email", "customer.time_zone", "occurred_at", "moment"}
    assert count(container, Contact) == 0


def test_a_batch_is_all_or_nothing(
    client: TestClient, container: Container, auth: dict, program: Any
) -> None:
    good, bad = event("a"), event("b")
    bad["customer"]["phone"] = "nope"
    response = client.post("/v1/events:batch", json={"events": [good, bad]}, headers=auth)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["events.1.customer.phone"]
    assert count(container, MomentEvent) == 0
    ok = client.post("/v1/events:batch", json={"events": [good, event("b")]}, headers=auth)
    assert ok.status_code == 201
    assert [e["decisions"][0]["kind"] for e in ok.json()["events"]] == ["invited", "invited"]


def test_a_batch_larger_than_the_limit_is_refused(
    client: TestClient, container: Container, auth: dict
) -> None:
    container.settings.events_batch_max = 2
    response = client.post(
        "/v1/events:batch", json={"events": [event(str(i)) for i in range(3)]}, headers=auth
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "events"


def test_idempotency_key_replays_the_first_response(
    client: TestClient, container: Container, auth: dict, program: Any
) -> None:
    headers = {**auth, "Idempotency-Key": "order-1234"}
    first = client.post("/v1/events", json=event(), headers=headers)
    again = client.post("/v1/events", json=event(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(container, MomentEvent) == 1
    assert count(container, Message) == 1
    different = client.post("/v1/events", json=event("someone-else"), headers=headers)
    assert different.status_code == 409


def test_keys_cli_creates_lists_and_revokes(settings: Any, monkeypatch: Any, container: Container) -> None:
    from askwhy.cli import app

    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASKWHY_GUIDES_DIR", str(settings.guides_dir))
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--name", "shop", "--scope", "events:write"])
    assert created.exit_code == 0, created.output
    key_text = next(word for word in created.output.split() if word.startswith("aw_"))
    key_id = key_text.split("_")[1]
    listed = runner.invoke(app, ["keys", "list"])
    assert key_id in listed.output
    assert key_text.split("_")[2] not in listed.output
    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
    assert runner.invoke(app, ["keys", "create", "--name", "x", "--scope", "admin"]).exit_code == 2
    with container.sessions.begin() as session:
        assert session.scalars(select(ContactDecision)).all() == []
        assert session.get(ApiKey, key_id).revoked_at is not None  # type: ignore[union-attr]


def test_idempotency_records_expire(
    client: TestClient, container: Container, auth: dict, program: Any
) -> None:
    from askwhy.store.api_tables import IdempotencyRecord
    from askwhy.tasks.events import purge

    client.post("/v1/events", json=event(), headers={**auth, "Idempotency-Key": "k1"})
    assert purge(container) == 0
    container.clock.advance(hours=25)  # type: ignore[attr-defined]
    assert purge(container) == 1
    assert count(container, IdempotencyRecord) == 0
