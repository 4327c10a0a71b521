"""Security headers on every response: pages, API answers and errors; only the chat page may be framed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.service.app import create_app
from askwhy.service.security_headers import SecurityHeaders
from askwhy.settings import Settings

TEMPLATES = Path(__file__).parents[2] / "src" / "askwhy" / "service" / "templates"


def directives(response: object) -> dict[str, str]:
    policy = response.headers["content-security-policy"]  # type: ignore[attr-defined]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


def assert_hardened(response: object, frame_ancestors: str = "'none'") -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    policy = directives(response)
    assert policy["script-src"] == "'self'", "no inline or remote script"
    assert "unsafe-inline" not in policy["script-src"]
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == frame_ancestors


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/healthz", None, 200),
        ("POST", "/v1/conversations", {"program": "post-checkout"}, 201),
        ("POST", "/v1/conversations", {"program": 3}, 422),
        ("GET", "/v1/conversations/nope", None, 404),
        ("GET", "/v1/events/nope", None, 401),
        ("GET", "/c/not-a-link", None, 400),
        ("GET", "/widget.js", None, 200),
        ("GET", "/static/chat.js", None, 200),
        ("GET", "/no/such/page", None, 404),
    ],
)
def test_every_response_carries_the_headers_and_is_never_framed(
    client: TestClient, method: str, path: str, body: object, status: int
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == status
    assert_hardened(response)


def test_the_chat_page_may_be_framed_by_the_widget_anywhere_by_default(client: TestClient) -> None:
    page = client.get("/chat/post-checkout")
    assert page.status_code == 200
    assert_hardened(page, frame_ancestors="*")
    assert_hardened(client.get("/chat/no-such-program"), frame_ancestors="*")


@pytest.fixture
def shop_only(settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    framed_by_shop = settings.model_copy(update={"chat_frame_ancestors": "https://shop.example.com"})
    built = bootstrap(framed_by_shop, clock=clock)
    try:
        with TestClient(create_app(built)) as client:
            yield client
    finally:
        built.close()


def test_who_may_frame_the_chat_page_is_a_setting(shop_only: TestClient) -> None:
    assert_hardened(shop_only.get("/chat/post-checkout"), frame_ancestors="https://shop.example.com")
    assert_hardened(shop_only.get("/healthz"), frame_ancestors="'none'")


def test_no_template_has_an_inline_script(container: Container) -> None:
    for template in TEMPLATES.glob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text()):
            assert " src=" in tag, f"{template.name}: inline script {tag}"
        assert not re.search(r"\son[a-z]+=", template.read_text()), f"{template.name}: inline handler"


def test_a_response_that_sets_its_own_policy_keeps_it() -> None:
    own = b"default-src 'none'"

    async def app(scope: dict, receive: object, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-security-policy", own)]}
        )
        await send({"type": "http.response.body", "body": b""})

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    wrapped = SecurityHeaders(app, chat_frame_ancestors="*")
    asyncio.run(wrapped({"type": "http", "path": "/v1/x", "headers": []}, receive, send))  # type: ignore[arg-type]
    headers = sent[0]["headers"]
    assert [value for name, value in headers if name == b"content-security-policy"] == [own]
    assert (b"x-content-type-options", b"nosniff") in headers


def test_answers_with_customer_data_or_tokens_are_never_cached(client: TestClient) -> None:
    started = client.post("/v1/conversations", json={"program": "post-checkout", "language": "en"})
    assert started.headers["cache-control"] == "no-store"
    token, conversation = started.json()["token"], started.json()["conversation_id"]
    shown = client.get(f"/v1/conversations/{conversation}", headers={"Authorization": f"Bearer {token}"})
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    assert client.get("/sign-in").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/widget.js").headers.get("cache-control", "")


def test_an_unexpected_error_is_a_500_with_the_headers_too(container: Container) -> None:
    app = create_app(container)

    @app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("an unexpected fault")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error"}
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "an unexpected fault" not in response.text
