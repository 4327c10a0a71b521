"""The funnel counts a conversation as started when the customer replied, whatever its status now."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from askwhy.bootstrap import Container
from askwhy.store.tables import Conversation

pytest_plugins = ("tests.insights.fixtures",)
TOKENS: dict[str, str] = {}
"""Each opened conversation's token (the web chat API answers only with it), by conversation id."""


def _open(client: TestClient) -> str:
    response = client.post("/v1/conversations", json={"program": "post-checkout", "language": "en"})
    assert response.status_code == 201, response.text
    conversation_id = str(response.json()["conversation_id"])
    TOKENS[conversation_id] = response.json()["token"]
    return conversation_id


def _say(client: TestClient, conversation_id: str, text: str) -> None:
    response = client.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {TOKENS[conversation_id]}"},
    )
    assert response.status_code == 200, response.text


def _abandon(container: Container, conversation_id: str) -> None:
    with container.sessions.begin() as session:
        session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(status="abandoned")
        )


def test_replied_then_abandoned_or_opted_out_counts_as_started(
    insights_container: Container, insights_client: TestClient
) -> None:
    replied_then_left = _open(insights_client)
    _say(insights_client, replied_then_left, "9")
    _abandon(insights_container, replied_then_left)
    never_replied_and_expired = _open(insights_client)
    _abandon(insights_container, never_replied_and_expired)
    _open(insights_client)  # a web chat the customer opened: active, so started
    opted_out = _open(insights_client)
    _say(insights_client, opted_out, "STOP")

    funnel = insights_client.get("/v1/metrics").json()["funnel"]

    assert funnel["invited"] == 4
    assert funnel["started"] == 3
    assert funnel["completed"] == 0
    assert funnel["start_rate"] == 0.75
