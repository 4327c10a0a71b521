"""Under the real Content-Security-Policy in Chromium: the API docs render offline, and the widget
frames the web chat on another site, where the conversation works with its token."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def watch(page: Any) -> list[str]:
    """Script errors and console errors (a CSP violation is reported as one)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    return problems


def test_the_api_docs_render_with_no_policy_violation(live_server: str, browser_page: Any) -> None:
    page = browser_page
    problems = watch(page)
    outside: list[str] = []
    page.on("request", lambda request: request.url.startswith(live_server) or outside.append(request.url))
    page.goto(f"{live_server}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "askwhy" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector(".opblock-tag")
    assert outside == [], "nothing is fetched from another host"
    assert problems == []


def test_the_widget_frames_the_chat_on_another_site_and_it_works(live_server: str, browser_page: Any) -> None:
    page = browser_page
    problems = watch(page)
    widget = f'<script src="{live_server}/widget.js" data-program="post-checkout" defer></script>'
    host_page = f"<!doctype html><title>Shop</title><body><h1>Thanks for your order</h1>{widget}</body>"
    # Another site (localhost is not 127.0.0.1), on loopback still: Chromium lets no public page load it.
    shop = live_server.replace("127.0.0.1", "localhost") + "/shop"
    page.route(shop, lambda route: route.fulfill(status=200, content_type="text/html", body=host_page))
    page.goto(shop)
    page.get_by_role("button", name="Give feedback").click()
    chat = page.frame_locator("#askwhy-panel")
    chat.locator("#log .msg--out").first.wait_for()
    assert "recommend" in chat.locator("#log .msg--out").first.inner_text().lower()
    chat.get_by_role("button", name="9", exact=True).click()
    chat.locator("#log .msg--out").nth(1).wait_for()
    assert chat.locator("#log .msg--in").last.inner_text().split() == ["You:", "9"]
    assert problems == []
