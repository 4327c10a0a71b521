"""JSON request bodies are checked before a route parses them: 400 naming the field, never a 500.

FastAPI parses a body with `json.loads` and hands it to pydantic, which accepts what later hurts:
nesting deep enough to exhaust the recursion limit, ``NaN``, integers past 64 bits, strings with a
lone surrogate or a NUL (which no database stores). This middleware reads the body (already held
to its size by `askwhy.service.body_limit`), checks it with `askwhy.channels.json_guard`, and
passes it on unchanged. Webhooks are left alone: their signature is checked first, and their
parsers read their bodies within the same bounds, one item at a time.

Every body that is not a form is checked, whatever its ``Content-Type`` says: FastAPI reads some
types as JSON that a stricter test would not. On routes that need an API key, a request without a
valid key is answered 401 before its body is read, so nobody can make the server parse megabytes
for nothing; and a large body is checked on a worker thread, not on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from askwhy.channels import json_guard

WITH_BODIES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORMS = (b"application/x-www-form-urlencoded", b"multipart/form-data")
ON_THE_LOOP = 64 * 1024
"""Bodies up to this size are checked on the event loop (well under a millisecond); larger ones on
a worker thread."""


class JsonBodyGuard:
    """Pure ASGI middleware: a JSON body askwhy would not read safely is answered 400."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        skipped_prefixes: Sequence[str] = ("/webhooks/",),
        keyed_prefixes: Sequence[str] = (),
        key_valid: Callable[[str | None], bool | None] | None = None,
    ) -> None:
        self.app = app
        self.skipped = tuple(skipped_prefixes)
        self.keyed = tuple(keyed_prefixes)
        self.key_valid = key_valid

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        allowed = await self._key_allows(scope)
        if not allowed:
            refusal = _unavailable() if allowed is None else _unauthorised()
            await refusal(scope, receive, send)
            return
        body, disconnected = await _whole_body(receive)
        if disconnected:
            return
        if body:
            try:
                if len(body) <= ON_THE_LOOP:
                    json_guard.load(body, storable_strings=True)
                else:
                    await run_in_threadpool(json_guard.load, body, storable_strings=True)
            except json_guard.UnsafeJson as exc:
                await _refused(exc)(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)

    async def _key_allows(self, scope: Scope) -> bool | None:
        """False on a route that needs an API key when the request has no valid one; None when the
        database cannot tell now."""
        if self.key_valid is None or not scope["path"].startswith(self.keyed):
            return True
        return await run_in_threadpool(self.key_valid, _presented_key(scope))

    def _applies(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in WITH_BODIES:
            return False
        return not scope["path"].startswith(self.skipped) and _is_json(scope)


def _is_json(scope: Scope) -> bool:
    """Whether the body might be read as JSON: anything but a form."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return not media_type.startswith(FORMS)
    return True


def _presented_key(scope: Scope) -> str | None:
    headers: dict[bytes, bytes] = dict(scope["headers"])
    if key := headers.get(b"x-api-key"):
        return key.decode("latin-1")
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    return authorization[7:] if authorization.lower().startswith("bearer ") else None


def _unavailable() -> JSONResponse:
    return JSONResponse(
        {"detail": "the database is unavailable; retry later"}, status_code=503, headers={"Retry-After": "5"}
    )


def _unauthorised() -> JSONResponse:
    return JSONResponse(
        {"detail": "a valid API key is required"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
    )


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
