"""A whole web chat conversation in a real browser: score, why, probe, close; reload resumes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.store.tables import Conversation, Response

pytestmark = pytest.mark.browser

REPLIES = [
    "The parcel arrived five days late and nobody told me why",
    "I had to buy a replacement gift in a shop, so it cost me twice",
    "Send a tracking update when the delivery slips",
    "that's all",
]


def bot_messages(page: Any) -> list[str]:
    return page.locator("#log .msg--out").all_inner_texts()


def send(page: Any, text: str) -> None:
    before = len(bot_messages(page))
    page.get_by_label("Your reply").fill(text)
    page.keyboard.press("Enter")
    # A function, not an expression: the page's CSP forbids eval, which Playwright uses for expressions.
    page.wait_for_function(f"() => document.querySelectorAll('#log .msg--out').length > {before}")


def test_whole_conversation_in_chromium(live_server: str, browser_page: Any, container: Container) -> None:
    page = browser_page
    script_errors: list[Any] = []
    page.on("pageerror", lambda error: script_errors.append(error))  # noqa: PLW0108 (Playwright cannot wrap a builtin)
    page.goto(f"{live_server}/chat/post-checkout")
    page.wait_for_selector("#log .msg--out")
    assert "recommend" in bot_messages(page)[0].lower()
    assert page.evaluate("document.activeElement.id") == "message"

    page.get_by_role("button", name="9", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('#log .msg--out').length > 1")
    why_question = bot_messages(page)[-1]
    assert "?" in why_question

    send(page, REPLIES[0])
    probe = bot_messages(page)[-1]
    assert probe != why_question

    page.reload()
    page.wait_for_selector("#log .msg--out")
    resumed = bot_messages(page)
    assert resumed[-1] == probe, "a reload resumes the same conversation"
    assert page.locator("#log .msg--in").count() == 2

    for reply in REPLIES[1:]:
        if page.get_by_label("Your reply").is_disabled():
            break
        send(page, reply)
    page.wait_for_selector("#message[disabled]")
    assert "ended" in page.locator("#status").inner_text()

    with container.sessions() as session:
        conversation = session.scalars(select(Conversation)).one()
        response = session.scalars(select(Response)).one()
    assert conversation.status == "completed"
    assert response.score == 9
    assert response.completion == "completed"
    assert "five days late" in response.comment

    page.reload()
    page.wait_for_selector("#message[disabled]")
    assert page.locator("#log .msg--in").count() >= 3
    assert script_errors == []
