"""An e-mail invitation's link in a real browser: it opens that conversation in the web chat, whose
page keeps a conversation token for it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from askwhy import conversations
from askwhy.bootstrap import Container
from askwhy.domain.conversation import Channel
from askwhy.outreach import chat_links
from askwhy.store.tables import Conversation, Message

pytestmark = pytest.mark.browser


def test_the_link_resumes_the_invited_conversation(
    live_server: str, browser_page: Any, container: Container
) -> None:
    with container.sessions.begin() as session:
        invited = conversations.start_conversation(
            session=session,
            guide=container.guides["post-checkout"],
            program="post-checkout",
            channel=Channel.EMAIL,
            channel_address="ana@example.org",
            now=container.clock.now(),
        )
    token = chat_links.sign(
        secret_key=container.settings.secret_key.get_secret_value(),
        conversation_id=invited.conversation_id,
        now=container.clock.now(),
    )
    page = browser_page
    script_errors: list[Any] = []
    page.on("pageerror", lambda error: script_errors.append(error))  # noqa: PLW0108 (Playwright wants a Python function)
    page.goto(f"{live_server}/c/{token}")
    page.wait_for_selector("#log .msg--out")
    assert page.url == f"{live_server}/chat/post-checkout", "neither link nor token is left in the address"
    kept = json.loads(page.evaluate("localStorage.getItem('askwhy:conversation:post-checkout')"))
    assert kept["id"] == invited.conversation_id
    assert kept["token"]
    assert kept["token"] != token, "the page keeps a conversation token, not the link"
    assert "recommend" in page.locator("#log .msg--out").first.inner_text().lower()

    page.get_by_role("button", name="9", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('#log .msg--out').length > 1")
    page.reload()
    page.wait_for_selector("#log .msg--in")
    assert page.locator("#log .msg--in").count() == 1, "a reload resumes it too"

    with container.sessions() as session:
        assert session.scalars(select(Conversation)).one().id == invited.conversation_id
        answers = session.scalars(select(Message).where(Message.direction == "in")).all()
    assert [m.text for m in answers] == ["9"]
    assert script_errors == []
