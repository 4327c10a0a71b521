"""Conversation access by capability: only a conversation token opens a conversation in the web chat.

A conversation id alone (from a decision, a log, an old link) gives nothing; WhatsApp, SMS and voice
conversations are never reachable through the web chat API; an ended conversation is read-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import RecordingSender
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.outreach import chat_links
from askwhy.service import conversation_tokens
from askwhy.settings import Settings
from askwhy.store.tables import Conversation, Message
from tests.invitations import invite_customer
from tests.messaging.conftest import PROGRAM, event, install_programs

PHONE = "+447700900123"


@pytest.fixture
def senders() -> dict[Channel, RecordingSender]:
    return {channel: RecordingSender(channel) for channel in (Channel.WHATSAPP, Channel.SMS, Channel.EMAIL)}


@pytest.fixture
def container(
    settings: Settings, clock: FakeClock, senders: dict[Channel, RecordingSender]
) -> Iterator[Container]:
    built = bootstrap(settings, clock=clock, senders=dict(senders), embedder=HashingEmbedder())
    yield built
    built.close()


def start(client: TestClient) -> dict[str, Any]:
    response = client.post("/v1/conversations", json={"program": "post-checkout", "language": "en"})
    assert response.status_code == 201, response.text
    opened: dict[str, Any] = response.json()
    return opened


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def show(client: TestClient, conversation_id: str, token: str | None = None) -> Any:
    return client.get(f"/v1/conversations/{conversation_id}", headers=bearer(token) if token else {})


def say(client: TestClient, conversation_id: str, text: str, token: str | None = None) -> Any:
    return client.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"text": text},
        headers=bearer(token) if token else {},
    )


def messages_in(container: Container, conversation_id: str) -> list[tuple[str, str]]:
    with container.sessions() as session:
        rows = session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        )
        return [(m.direction, m.text) for m in rows]


def status_of(container: Container, conversation_id: str) -> str:
    with container.sessions() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        return conversation.status


def assert_unreachable(client: TestClient, conversation_id: str, token: str | None) -> None:
    read, written = show(client, conversation_id, token), say(client, conversation_id, "STOP", token)
    assert (read.status_code, written.status_code) == (404, 404)
    assert read.json() == written.json() == {"detail": "conversation not found"}, "nothing tells it exists"


def test_starting_hands_the_browser_a_token_that_reads_and_answers_it(client: TestClient) -> None:
    opened = start(client)
    assert opened["token"]
    assert say(client, opened["conversation_id"], "9", opened["token"]).status_code == 200
    shown = show(client, opened["conversation_id"], opened["token"])
    assert shown.status_code == 200
    assert [m["direction"] for m in shown.json()["messages"]][:3] == ["out", "in", "out"]


def test_the_id_alone_or_a_forged_token_gives_404(client: TestClient, container: Container) -> None:
    opened = start(client)
    conversation_id = opened["conversation_id"]
    assert_unreachable(client, conversation_id, None)
    assert_unreachable(client, conversation_id, "not-a-token")
    other_key = conversation_tokens.issue(
        secret_key="another-server's-key", conversation_id=conversation_id, now=container.clock.now()
    )
    assert_unreachable(client, conversation_id, other_key)
    assert messages_in(container, conversation_id) == [("out", opened["messages"][0]["text"])]


def test_a_whatsapp_conversation_is_never_reached_through_the_web_chat(
    client: TestClient, container: Container, senders: dict[Channel, RecordingSender]
) -> None:
    whatsapp = invite_customer(container, phone=PHONE, channel=Channel.WHATSAPP)
    before, status_before = messages_in(container, whatsapp), status_of(container, whatsapp)
    sent_before = len(senders[Channel.WHATSAPP].sent)
    web = start(client)
    assert_unreachable(client, whatsapp, None)
    assert_unreachable(client, whatsapp, web["token"])
    # Even a genuine token made for its id (which the server never hands out) opens nothing.
    made_for_it = conversation_tokens.issue(
        secret_key=container.settings.secret_key.get_secret_value(),
        conversation_id=whatsapp,
        now=container.clock.now(),
    )
    assert_unreachable(client, whatsapp, made_for_it)
    assert messages_in(container, whatsapp) == before, "nothing was recorded as the customer's words"
    assert status_of(container, whatsapp) == status_before
    assert len(senders[Channel.WHATSAPP].sent) == sent_before, "nothing more was sent to their phone"


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.VOICE])
def test_sms_and_voice_conversations_are_not_reached_either(
    client: TestClient, container: Container, channel: Channel
) -> None:
    conversation_id = invite_customer(container, phone=PHONE, channel=channel)
    made_for_it = conversation_tokens.issue(
        secret_key=container.settings.secret_key.get_secret_value(),
        conversation_id=conversation_id,
        now=container.clock.now(),
    )
    assert_unreachable(client, conversation_id, made_for_it)


def test_a_stolen_token_for_one_conversation_gives_nothing_for_another(
    client: TestClient, container: Container
) -> None:
    a, b = start(client), start(client)
    assert_unreachable(client, b["conversation_id"], a["token"])
    assert len(messages_in(container, b["conversation_id"])) == 1
    assert say(client, a["conversation_id"], "7", a["token"]).status_code == 200


def test_an_expired_token_is_refused(client: TestClient, container: Container, clock: FakeClock) -> None:
    opened = start(client)
    clock.advance(hours=container.settings.conversation_token_max_age_hours - 1)
    assert show(client, opened["conversation_id"], opened["token"]).status_code == 200
    clock.advance(hours=2)
    assert_unreachable(client, opened["conversation_id"], opened["token"])


def test_an_invitation_link_is_no_conversation_token(client: TestClient, container: Container) -> None:
    opened = start(client)
    link = chat_links.sign(
        secret_key=container.settings.secret_key.get_secret_value(),
        conversation_id=opened["conversation_id"],
        now=container.clock.now(),
    )
    assert_unreachable(client, opened["conversation_id"], link)


def test_an_ended_conversation_is_read_only(client: TestClient, container: Container) -> None:
    opened = start(client)
    with container.sessions.begin() as session:
        session.execute(
            update(Conversation)
            .where(Conversation.id == opened["conversation_id"])
            .values(status="completed", ended_at=container.clock.now())
        )
    refused = say(client, opened["conversation_id"], "9", opened["token"])
    assert refused.status_code == 409
    assert "ended" in refused.json()["detail"]
    shown = show(client, opened["conversation_id"], opened["token"])
    assert (shown.status_code, shown.json()["status"]) == (200, "completed")
    assert len(messages_in(container, opened["conversation_id"])) == 1


def test_the_customer_reads_back_their_own_words_as_written(client: TestClient) -> None:
    opened = start(client)
    say(client, opened["conversation_id"], "3", opened["token"])
    words = "Card 4111 1111 1111 1111 was charged twice, call me on +44 7700 900123"
    assert say(client, opened["conversation_id"], words, opened["token"]).status_code == 200
    shown = show(client, opened["conversation_id"], opened["token"]).json()
    assert [m["text"] for m in shown["messages"] if m["direction"] == "in"] == ["3", words]


def test_a_conversation_id_from_an_events_decision_grants_nothing(
    client: TestClient, container: Container, senders: dict[Channel, RecordingSender]
) -> None:
    from askwhy.service import api_keys

    install_programs(container, PROGRAM)
    with container.sessions.begin() as session:
        _, key = api_keys.create_key(
            session=session, name="shop", scopes=["events:write", "read"], now=container.clock.now()
        )
    response = client.post("/v1/events", json=event(), headers=bearer(key))
    assert response.status_code == 201, response.text
    [decision] = response.json()["decisions"]
    conversation_id = decision["conversation_id"]
    assert conversation_id
    before = messages_in(container, conversation_id)
    assert_unreachable(client, conversation_id, None)
    assert_unreachable(client, conversation_id, key)
    assert messages_in(container, conversation_id) == before
