"""Rate limits on public routes, per client address and per conversation: 429 JSON with Retry-After."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.outreach import chat_links
from askwhy.service.app import create_app
from askwhy.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/15"
LOW = {
    "rate_limit_conversation_starts": "3/minute",
    "rate_limit_chat_messages_per_conversation": "2/minute",
    "rate_limit_chat_requests_per_address": "5/minute",
    "rate_limit_link_opens": "2/minute",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=LOW)


def start(client: TestClient) -> Any:
    return client.post("/v1/conversations", json={"program": "post-checkout", "language": "en"})


def say(client: TestClient, opened: dict[str, Any], text: str) -> Any:
    return client.post(
        f"/v1/conversations/{opened['conversation_id']}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {opened['token']}"},
    )


def assert_throttled(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/json"
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "too many requests" in response.json()["detail"]


def test_conversation_starts_are_limited_per_client_address(client: TestClient, container: Container) -> None:
    for _ in range(3):
        assert start(client).status_code == 201
    assert_throttled(start(client))
    with TestClient(create_app(container), client=("203.0.113.9", 50000)) as elsewhere:
        assert start(elsewhere).status_code == 201, "another address has its own count"


def test_messages_are_limited_per_conversation(client: TestClient, container: Container) -> None:
    first, second = start(client).json(), start(client).json()
    assert say(client, first, "9").status_code == 200
    assert say(client, first, "Fast delivery").status_code == 200
    assert_throttled(say(client, first, "and friendly"))
    assert say(client, second, "8").status_code == 200, "another conversation has its own count"


def test_an_id_without_its_token_cannot_use_up_a_conversations_limit(
    client: TestClient, container: Container
) -> None:
    opened = start(client).json()
    with TestClient(create_app(container), client=("198.51.100.7", 50000)) as attacker:
        for _ in range(4):
            refused = attacker.post(
                f"/v1/conversations/{opened['conversation_id']}/messages", json={"text": "0"}
            )
            assert refused.status_code == 404
    assert say(client, opened, "9").status_code == 200


def test_chat_requests_are_limited_per_client_address(client: TestClient) -> None:
    opened = start(client).json()
    headers = {"Authorization": f"Bearer {opened['token']}"}
    for _ in range(5):
        assert (
            client.get(f"/v1/conversations/{opened['conversation_id']}", headers=headers).status_code == 200
        )
    assert_throttled(client.get(f"/v1/conversations/{opened['conversation_id']}", headers=headers))
    assert_throttled(client.get("/v1/conversations/guessed-id"))


def test_invitation_link_opens_are_limited_per_client_address(
    client: TestClient, container: Container
) -> None:
    link = chat_links.sign(secret_key="x", conversation_id="y", now=container.clock.now())
    assert client.get(f"/c/{link}").status_code == 400
    assert client.get(f"/c/{link}").status_code == 400
    assert_throttled(client.get(f"/c/{link}"))


@pytest.fixture
def redis_settings(settings: Settings) -> Settings:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return settings.model_copy(update={"redis_url": SecretStr(REDIS_URL)})


@pytest.fixture
def two_processes(redis_settings: Settings, clock: FakeClock) -> Iterator[tuple[TestClient, TestClient]]:
    """Two servers sharing Redis, reached from one (fresh, so runs do not share counts) address."""
    address = (f"client-{uuid.uuid4().hex}", 50000)
    built = bootstrap(redis_settings, clock=clock)
    try:
        with (
            TestClient(create_app(built), client=address) as one,
            TestClient(create_app(built), client=address) as other,
        ):
            yield one, other
    finally:
        built.close()


def test_with_redis_every_server_process_shares_the_counts(
    two_processes: tuple[TestClient, TestClient],
) -> None:
    one, other = two_processes
    assert start(one).status_code == 201
    assert start(other).status_code == 201
    assert start(one).status_code == 201
    assert_throttled(start(other))


@pytest.mark.parametrize(
    ("host", "counted_as"),
    [
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("192.0.2.7", "192.0.2.7"),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64_block(host: str, counted_as: str) -> None:
    from starlette.requests import Request

    from askwhy.service.rate_limits import client_address

    request = Request({"type": "http", "client": (host, 1234), "headers": [], "method": "GET", "path": "/"})
    assert client_address(request) == counted_as


def test_an_unreachable_redis_lets_requests_through_instead_of_failing(settings: Settings) -> None:
    import asyncio

    from askwhy.service.rate_limits import RateLimits

    dead = settings.model_copy(update={"redis_url": SecretStr("redis://127.0.0.1:1/0")})
    limits = RateLimits.from_settings(dead)

    async def hit_many() -> None:
        for _ in range(50):
            await limits.hit("conversation_starts", "192.0.2.7")
        await limits.close()

    asyncio.run(hit_many())  # no 429 and no exception: counting is skipped while Redis is away
