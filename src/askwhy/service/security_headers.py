"""Security headers on every response, error pages included: a pure ASGI middleware.

The Content-Security-Policy allows scripts, styles and connections from askwhy's own origin
only (no inline script anywhere), and no page may be framed except the web chat page, which the
widget frames on a company's site: who may frame it is ``ASKWHY_CHAT_FRAME_ANCESTORS``. A
response that sets its own policy (the API docs page) keeps it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {}"
)
FRAMED_PREFIX = "/chat/"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, chat_frame_ancestors: str) -> None:
        self.app = app
        self._framed = POLICY.format(chat_frame_ancestors)
        self._unframed = POLICY.format("'none'")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self._framed if scope["path"].startswith(FRAMED_PREFIX) else self._unframed

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)
