"""An e-mail invitation's link opens the web chat for its conversation alone, with a conversation token,
until the link expires or the conversation ends."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import update

from askwhy import conversations
from askwhy.bootstrap import Container
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.outreach import chat_links
from askwhy.store.tables import Conversation
from tests.invitations import invite_customer


def invite_by_email(container: Container) -> str:
    with container.sessions.begin() as session:
        reply = conversations.start_conversation(
            session=session,
            guide=container.guides["post-checkout"],
            program="post-checkout",
            channel=Channel.EMAIL,
            channel_address="ana@example.org",
            now=container.clock.now(),
        )
    return reply.conversation_id


def link_for(container: Container, conversation_id: str) -> str:
    token = chat_links.sign(
        secret_key=container.settings.secret_key.get_secret_value(),
        conversation_id=conversation_id,
        now=container.clock.now(),
    )
    return f"/c/{token}"


def token_in(page: str) -> str:
    [token] = re.findall(r'data-token="([^"]+)"', page)
    return token


def test_the_link_answers_the_chat_page_with_a_token_for_that_conversation_only(
    client: TestClient, container: Container
) -> None:
    invited, other = invite_by_email(container), invite_by_email(container)
    page = client.get(link_for(container, invited), follow_redirects=False)
    assert page.status_code == 200
    assert "location" not in page.headers, "no redirect carries the id in a URL"
    assert page.headers["cache-control"] == "no-store"
    assert 'data-home="/chat/post-checkout"' in page.text
    bearer = {"Authorization": f"Bearer {token_in(page.text)}"}

    shown = client.get(f"/v1/conversations/{invited}", headers=bearer)
    assert shown.status_code == 200
    assert "recommend" in shown.json()["messages"][0]["text"]
    answered = client.post(f"/v1/conversations/{invited}/messages", json={"text": "9"}, headers=bearer)
    assert answered.status_code == 200
    assert answered.json()["messages"], "an e-mail invitation is answered in the web chat"

    assert client.get(f"/v1/conversations/{other}", headers=bearer).status_code == 404
    refused = client.post(f"/v1/conversations/{other}/messages", json={"text": "0"}, headers=bearer)
    assert refused.status_code == 404


def test_an_expired_link_is_refused_with_a_friendly_page(
    client: TestClient, container: Container, clock: FakeClock
) -> None:
    link = link_for(container, invite_by_email(container))
    clock.advance(hours=container.settings.email_link_max_age_hours + 1)
    page = client.get(link)
    assert page.status_code == 410
    assert "expired" in page.text
    assert "data-token" not in page.text


def test_a_link_to_an_ended_conversation_is_refused_with_a_friendly_page(
    client: TestClient, container: Container
) -> None:
    invited = invite_by_email(container)
    with container.sessions.begin() as session:
        session.execute(update(Conversation).where(Conversation.id == invited).values(status="completed"))
    page = client.get(link_for(container, invited))
    assert page.status_code == 410
    assert "has ended" in page.text
    assert "data-token" not in page.text


def test_a_link_made_for_a_whatsapp_conversation_opens_nothing(
    client: TestClient, container: Container
) -> None:
    whatsapp = invite_customer(container, phone="+447700900123", channel=Channel.WHATSAPP)
    page = client.get(link_for(container, whatsapp))
    assert page.status_code == 404
    assert "data-token" not in page.text
