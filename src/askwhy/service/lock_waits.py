"""Requests wait a bounded time for a database lock: a locked database answers 503, not a hang.

Every request's transactions wait at most `Settings.request_lock_wait_seconds` for a lock
(`askwhy.store.database.lock_waits_at_most`): a provider webhook then gets 503 with Retry-After
well within its own timeout, and retries, while queue workers, outside any request, wait as long
as they need. The limit travels with the request's context into the threads its sync routes run on.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from askwhy.store.database import lock_waits_at_most


class LockWaitLimit:
    """Pure ASGI middleware: the request's transactions wait at most ``seconds`` for a lock."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with lock_waits_at_most(self.seconds):
            await self.app(scope, receive, send)
