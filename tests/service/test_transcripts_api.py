"""``GET /v1/transcripts/{id}``: raw customer text only for an API key with ``transcripts:read``."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from askwhy import conversations
from askwhy.bootstrap import Container
from askwhy.domain.conversation import Channel, Inbound
from askwhy.service import api_keys
from tests.invitations import invite_customer

WORDS = "My card 4111 1111 1111 1111 was charged twice, call +44 7700 900123"


def key_with(container: Container, *scopes: str) -> dict[str, str]:
    with container.sessions.begin() as session:
        _, key = api_keys.create_key(session=session, name="crm", scopes=scopes, now=container.clock.now())
    return {"Authorization": f"Bearer {key}"}


def whatsapp_conversation_with_words(container: Container) -> str:
    conversation_id = invite_customer(container, phone="+447700900123", channel=Channel.WHATSAPP)
    with container.sessions.begin() as session:
        for text in ("2", WORDS):
            conversations.receive_message(
                session=session,
                guides=container.guides,
                conversation_id=conversation_id,
                inbound=Inbound(text=text),
                channel=Channel.WHATSAPP,
                now=container.clock.now(),
            )
    return conversation_id


def test_a_key_with_transcripts_read_gets_the_raw_transcript_of_any_channel(
    client: TestClient, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    conversation_id = whatsapp_conversation_with_words(container)
    with caplog.at_level(logging.INFO, logger="askwhy.service.routes.transcripts"):
        response = client.get(
            f"/v1/transcripts/{conversation_id}", headers=key_with(container, "transcripts:read")
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["channel"]) == (conversation_id, "whatsapp")
    assert [m["text"] for m in body["messages"] if m["direction"] == "in"] == ["2", WORDS]
    assert any(conversation_id in record.getMessage() for record in caplog.records), "the read is logged"
    assert all("4111" not in record.getMessage() for record in caplog.records), "never the words"


def test_a_key_without_the_scope_gets_403_and_no_key_401(client: TestClient, container: Container) -> None:
    conversation_id = whatsapp_conversation_with_words(container)
    every_other_scope = [scope for scope in api_keys.SCOPES if scope != "transcripts:read"]
    forbidden = client.get(
        f"/v1/transcripts/{conversation_id}", headers=key_with(container, *every_other_scope)
    )
    assert forbidden.status_code == 403
    assert "transcripts:read" in forbidden.json()["detail"]
    assert WORDS not in forbidden.text
    assert client.get(f"/v1/transcripts/{conversation_id}").status_code == 401


def test_an_unknown_conversation_is_404(client: TestClient, container: Container) -> None:
    response = client.get("/v1/transcripts/nope", headers=key_with(container, "transcripts:read"))
    assert response.status_code == 404
