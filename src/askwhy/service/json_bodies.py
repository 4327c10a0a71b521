"""JSON request bodies are checked before a route parses them: 400 naming the field, never a 500.

FastAPI parses a body with `json.loads` and hands it to pydantic, which accepts what later hurts:
nesting deep enough to exhaust the recursion limit, ``NaN``, integers past 64 bits, strings with a
lone surrogate or a NUL (which no database stores). This middleware reads the body (already held
to its size by `askwhy.service.body_limit`), checks it with `askwhy.channels.json_guard`, and
passes it on unchanged. Webhooks are left alone: their signature is checked first, and their
parsers read their bodies within the same bounds, one item at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from askwhy.channels import json_guard

WITH_BODIES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class JsonBodyGuard:
    """Pure ASGI middleware: a JSON body askwhy would not read safely is answered 400."""

    def __init__(self, app: ASGIApp, *, skipped_prefixes: Sequence[str] = ("/webhooks/",)) -> None:
        self.app = app
        self.skipped = tuple(skipped_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        body, disconnected = await _whole_body(receive)
        if disconnected:
            return
        if body:
            try:
                json_guard.load(body, storable_strings=True)
            except json_guard.UnsafeJson as exc:
                await _refused(exc)(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)

    def _applies(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in WITH_BODIES:
            return False
        return not scope["path"].startswith(self.skipped) and _is_json(scope)


def _is_json(scope: Scope) -> bool:
    """Whether the body says it is JSON, or says nothing (and might be read as JSON)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return media_type == b"application/json" or media_type.endswith(b"+json")
    return True


async def _whole_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", True
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replay(body: bytes, receive: Receive) -> Receive:
    replayed = False

    async def again() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


def _refused(error: json_guard.UnsafeJson) -> JSONResponse:
    field = json_guard.field_name(error.path) or "body"
    return JSONResponse(
        {
            "detail": f"the JSON body is refused: {error}",
            "errors": [{"field": field, "message": error.reason}],
        },
        status_code=400,
    )
