"""Rate limits on the public routes, per client address and per conversation, with `limits`.

Counts live in memory by default, or in Redis when ``ASKWHY_REDIS_URL`` is set, so that every
server process behind a load balancer shares them. A request over a limit gets a 429 JSON error
with ``Retry-After``. The client address is the connection's peer: behind a proxy, run uvicorn
with ``--proxy-headers`` and ``--forwarded-allow-ips`` so that it is the customer's, not the proxy's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from askwhy.service.auth import WebChatConversation
from askwhy.settings import Settings

KEY_PREFIX = "askwhy-limits"


class RateLimits:
    """The limits by name (``conversation_starts``, ...) and the storage that counts their hits."""

    def __init__(self, *, storage: Storage, limits: dict[str, list[RateLimitItem]]) -> None:
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._limits = limits

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        limits = {
            "conversation_starts": parse_many(settings.rate_limit_conversation_starts),
            "chat_messages": parse_many(settings.rate_limit_chat_messages_per_conversation),
            "chat_requests": parse_many(settings.rate_limit_chat_requests_per_address),
            "link_opens": parse_many(settings.rate_limit_link_opens),
        }
        if settings.redis_url is None:
            return cls(storage=MemoryStorage(), limits=limits)
        storage = storage_from_string(
            f"async+{settings.redis_url.get_secret_value()}", implementation="redispy", key_prefix=KEY_PREFIX
        )
        assert isinstance(storage, Storage)  # an async+ scheme gives an async storage
        return cls(storage=storage, limits=limits)

    async def close(self) -> None:
        """Close the Redis connections, if any (`limits` keeps its client as ``bridge.storage``)."""
        client = getattr(getattr(self._storage, "bridge", None), "storage", None)
        if client is not None:
            await client.aclose()

    async def hit(self, name: str, key: str) -> None:
        """Count one request for ``key`` against limit ``name``; a 429 `HTTPException` when over it."""
        for item in self._limits[name]:
            if not await self._limiter.hit(item, name, key):
                stats = await self._limiter.get_window_stats(item, name, key)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                raise HTTPException(
                    status.HTTP_429_TOO_MANY_REQUESTS,
                    f"too many requests ({item}); retry in {retry_after} seconds",
                    headers={"Retry-After": str(retry_after)},
                )


async def _rate_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


RateLimitsDep = Annotated[RateLimits, Depends(_rate_limits)]


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def per_address(name: str) -> Callable[[Request, RateLimits], Awaitable[None]]:
    """A dependency counting the request against limit ``name`` for its client address."""

    async def check(request: Request, limits: RateLimitsDep) -> None:
        await limits.hit(name, _client_address(request))

    return check


async def _per_conversation(conversation_id: WebChatConversation, limits: RateLimitsDep) -> None:
    # Counted only once the token is checked: an id alone must not let anyone silence a customer.
    await limits.hit("chat_messages", conversation_id)


ConversationStartLimit = Depends(per_address("conversation_starts"))
ChatRequestLimit = Depends(per_address("chat_requests"))
ChatMessageLimit = Depends(_per_conversation)
LinkOpenLimit = Depends(per_address("link_opens"))
