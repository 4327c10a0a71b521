"""A size limit on every request body, enforced as it streams in, before anything reads it.

A webhook's signature can only be checked over the whole body, so without a limit an unsigned
body of any size would be read into memory first. Here a ``Content-Length`` over the route's limit
is answered 413 before the application sees the request, and a body without one (chunked) is
counted as its pieces arrive: the piece that passes the limit stops the request with a 413, and
the rest is never read (the server stops reading the connection and closes it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from askwhy.settings import Settings

EVENT_BYTES = 8192
"""The events batch's room per event when its limit is not set."""


@dataclass(frozen=True)
class BodyLimits:
    """The largest body per route: the first matching path prefix's limit, else the default."""

    default: int
    by_prefix: Sequence[tuple[str, int]] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        batch = settings.events_batch_body_limit_bytes or EVENT_BYTES * settings.events_batch_max
        return cls(
            default=settings.body_limit_bytes,
            by_prefix=(
                ("/webhooks/", settings.webhook_body_limit_bytes),
                ("/v1/events:batch", batch),
                ("/v1/conversations", settings.chat_body_limit_bytes),
            ),
        )

    def for_path(self, path: str) -> int:
        for prefix, limit in self.by_prefix:
            if path.startswith(prefix):
                return limit
        return self.default


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` as the body passes the limit: the application answers it with a 413
    (an HTTP error, so no route turns it into anything else), and `BodyLimit` does should it escape."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the {limit} bytes this route accepts")


class BodyLimit:
    """Pure ASGI middleware: 413 for a body over its route's limit, before it is read."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(limit)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _too_large(limit: int) -> JSONResponse:
    detail = BodyTooLarge(limit).detail
    return JSONResponse({"detail": detail}, status_code=413, headers={"Connection": "close"})
