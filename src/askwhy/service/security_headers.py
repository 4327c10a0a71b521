"""Security headers on every response, error pages included: a pure ASGI middleware.

The Content-Security-Policy allows scripts, styles and connections from askwhy's own origin
only (no inline script anywhere), and no page may be framed except the web chat page, which the
widget frames on a company's site: who may frame it is ``ASKWHY_CHAT_FRAME_ANCESTORS``. A
response that sets its own policy (the API docs page) keeps it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {}"
)
FRAMED_PREFIX = "/chat/"
PRIVATE_PREFIXES = ("/v1/", "/c/", "/sign-in")
"""Answers that may carry customers' words, tokens or the team's data (with the workspace's home,
``/``): no cache keeps them, unless the route says otherwise."""
NO_STORE = (b"cache-control", b"no-store")
INTERNAL_ERROR_START: Message = {
    "type": "http.response.start",
    "status": 500,
    "headers": [(b"content-type", b"application/json")],
}
INTERNAL_ERROR_BODY: Message = {"type": "http.response.body", "body": b'{"detail":"internal error"}'}


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, chat_frame_ancestors: str) -> None:
        self.app = app
        self._framed = _encoded(POLICY.format(chat_frame_ancestors))
        self._unframed = _encoded(POLICY.format("'none'"))
        self._private = [*self._unframed, NO_STORE]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(FRAMED_PREFIX):
            added = self._framed
        elif path == "/" or path.startswith(PRIVATE_PREFIXES):
            added = self._private
        else:
            added = self._unframed

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in added if header[0] not in present)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's error page is sent from outside every middleware, without these headers:
            # answer the 500 here, with them, and let the error go on to be logged.
            if not started:
                await send_with_headers(INTERNAL_ERROR_START)
                await send_with_headers(INTERNAL_ERROR_BODY)
            raise


def _encoded(policy: str) -> list[tuple[bytes, bytes]]:
    # Encoded once: this runs on every response, the busiest webhooks' included.
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
