"""A NUL in a workspace form is refused before a route reads it: 400 naming the field, never a
database error.

A form field travels as text into a note, a reply, a label or a reason; PostgreSQL refuses a NUL
in text with an error (a 500), and SQLite would keep it. No one types one, so such a form can only
be refused, as `askwhy.service.request_target` refuses one in a path or query and
`askwhy.service.json_bodies` one in a JSON body. Provider webhooks are left alone: Twilio's
signature covers its form as sent, and its reader replaces a NUL itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from askwhy.service.json_bodies import WITH_BODIES, _replay, _whole_body

URLENCODED = b"application/x-www-form-urlencoded"


class FormBodyGuard:
    """Pure ASGI middleware: a URL-encoded form holding a NUL is answered 400."""

    def __init__(self, app: ASGIApp, *, skipped_prefixes: Sequence[str] = ("/webhooks/",)) -> None:
        self.app = app
        self.skipped = tuple(skipped_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        body, disconnected = await _whole_body(receive)  # held to its size by the body limit
        if disconnected:
            return
        if fields := _fields_with_nul(body):
            problem = f"the form holds a NUL character (%00) in {', '.join(fields)}"
            errors = [{"field": field, "message": "holds a NUL character"} for field in fields]
            await JSONResponse({"detail": problem, "errors": errors}, 400)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _applies(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in WITH_BODIES:
            return False
        if scope["path"].startswith(self.skipped):
            return False
        content_type: bytes = dict(scope["headers"]).get(b"content-type", b"")
        return content_type.split(b";", 1)[0].strip().lower() == URLENCODED


def _fields_with_nul(body: bytes) -> list[str]:
    """The names of the fields whose name or value holds a NUL (sorted, each once)."""
    if b"%00" not in body and b"\x00" not in body:
        return []
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    named = {name.replace("\x00", "\\0")[:40] for name, value in pairs if "\x00" in name + value}
    return sorted(named) or ["body"]
