"""Rate limits on the public routes, per client address and per conversation, with `limits`.

Counts live in memory by default, or in Redis when ``ASKWHY_REDIS_URL`` is set, so that every
server process behind a load balancer shares them. A request over a limit gets a 429 JSON error
with ``Retry-After``. The client address is the connection's peer: behind a proxy, run uvicorn
with ``--proxy-headers`` and ``--forwarded-allow-ips`` so that it is the customer's, not the proxy's.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Protocol

from fastapi import Depends, HTTPException, Request, status
from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter as InProcessLimiter
from limits.util import WindowStats
from redis.exceptions import RedisError

from askwhy.service.auth import WebChatConversation
from askwhy.settings import Settings

log = logging.getLogger(__name__)
KEY_PREFIX = "askwhy-limits"


class Limiter(Protocol):
    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool: ...

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats: ...


class _InMemory:
    """`limits`' in-memory limiter, called directly: counting in memory does no I/O. (Its async
    memory storage would sweep every key through a thread on each request: ~0.7 ms of CPU.)"""

    def __init__(self) -> None:
        self._limiter = InProcessLimiter(MemoryStorage())

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self._limiter.hit(item, *identifiers)

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        return self._limiter.get_window_stats(item, *identifiers)


class RateLimits:
    """The limits by name (``conversation_starts``, ...) and the limiter that counts their hits.

    Sliding window counters: a window's count is weighed with the previous window's, so a client
    cannot double its allowance at a window's edge, at the cost of two counters per key."""

    def __init__(
        self, *, limiter: Limiter, limits: dict[str, list[RateLimitItem]], storage: Storage | None = None
    ) -> None:
        self._limiter = limiter
        self._limits = limits
        self._storage = storage

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        limits = {
            "conversation_starts": parse_many(settings.rate_limit_conversation_starts),
            "chat_messages": parse_many(settings.rate_limit_chat_messages_per_conversation),
            "chat_requests": parse_many(settings.rate_limit_chat_requests_per_address),
            "link_opens": parse_many(settings.rate_limit_link_opens),
        }
        if settings.redis_url is None:
            return cls(limiter=_InMemory(), limits=limits)
        storage = storage_from_string(
            f"async+{settings.redis_url.get_secret_value()}", implementation="redispy", key_prefix=KEY_PREFIX
        )
        assert isinstance(storage, Storage)  # an async+ scheme gives an async storage
        return cls(limiter=SlidingWindowCounterRateLimiter(storage), limits=limits, storage=storage)

    async def close(self) -> None:
        """Close the Redis connections, if any (`limits` keeps its client as ``bridge.storage``)."""
        client = getattr(getattr(self._storage, "bridge", None), "storage", None)
        if client is not None:
            await client.aclose()

    async def hit(self, name: str, key: str) -> None:
        """Count one request for ``key`` against limit ``name``; a 429 `HTTPException` when over it."""
        for item in self._limits[name]:
            try:
                allowed = await self._limiter.hit(item, name, key)
            except (OSError, RedisError) as exc:
                # The counters' store (Redis) is unreachable: the request goes through rather than
                # failing, as it would without limits; the log says so once per request.
                log.warning("rate limit %s not counted: %s", name, type(exc).__name__)
                return
            if not allowed:
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


def client_address(request: Request) -> str:
    """The client's address, an IPv6 address by its /64: one subscriber holds a whole /64, so
    counting each of its addresses apart would let one client through many times."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def per_address(name: str) -> Callable[[Request, RateLimits], Awaitable[None]]:
    """A dependency counting the request against limit ``name`` for its client address."""

    async def check(request: Request, limits: RateLimitsDep) -> None:
        await limits.hit(name, client_address(request))

    return check


async def _per_conversation(conversation_id: WebChatConversation, limits: RateLimitsDep) -> None:
    # Counted only once the token is checked: an id alone must not let anyone silence a customer.
    await limits.hit("chat_messages", conversation_id)


ConversationStartLimit = Depends(per_address("conversation_starts"))
ChatRequestLimit = Depends(per_address("chat_requests"))
ChatMessageLimit = Depends(_per_conversation)
LinkOpenLimit = Depends(per_address("link_opens"))
