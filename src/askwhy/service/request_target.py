"""A NUL in a request's path or query is refused before routing: 400, never a database error.

Percent-decoding turns ``%00`` into a NUL character that then travels as an id (a conversation
in a Twilio callback's query, a conversation in a web chat path) into a query, where PostgreSQL
refuses it with an error. No id askwhy hands out holds one, so such a request can only be refused.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class RequestTargetGuard:
    """Pure ASGI middleware: a path or query holding a NUL is answered 400."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _holds_nul(scope):
            refused = JSONResponse({"detail": "the request's path or query holds a NUL character (%00)"}, 400)
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _holds_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query
