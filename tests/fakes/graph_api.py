"""A fake WhatsApp Graph API: a real HTTP server on 127.0.0.1 that records sends and can fail.

It answers ``POST /{version}/{phone-number-id}/messages`` with the documented success body, or,
when told to, with the documented error bodies (rate limits, re-engagement, undeliverable…),
a 500, or no answer at all until the client gives up (a timeout).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

from tests.fakes.media import FILES_PATH, MediaShelf, send_json
from tests.fakes.server import LocalHttpFake

ERRORS: dict[str, tuple[int, int, str, str]] = {
    # name: (HTTP status, code, title, details), as listed on Meta's error-codes page
    "rate_limit": (400, 130429, "Rate limit hit", "Cloud API message throughput has been reached."),
    "pair_rate_limit": (
        400,
        131056,
        "(Business Account, Consumer Account) pair rate limit hit",
        "Too many messages sent from the sender phone number to the same recipient phone number "
        "in a short period of time.",
    ),
    "reengagement": (
        400,
        131047,
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last "
        "replied to this number.",
    ),
    "undeliverable": (400, 131026, "Message undeliverable", "Unable to deliver message."),
    "invalid_parameter": (400, 100, "Invalid parameter", "Parameter value is not valid."),
    "token_expired": (401, 190, "Access token has expired", "Error validating access token."),
    "service_unavailable": (503, 131016, "Service unavailable", "A service is temporarily unavailable."),
}


@dataclass(frozen=True)
class Received:
    """One request the fake answered: what a test asserts on."""

    path: str
    authorization: str | None
    body: dict[str, Any]
    accepted: bool


@dataclass
class FakeGraphApi(LocalHttpFake):
    """Start with `start()` (or as a context manager); ``base_url`` is where to point the sender."""

    thread_name: ClassVar[str] = "fake-graph-api"

    access_token: str = "test-access-token"
    latency_seconds: float = 0.0
    on_accepted: Callable[[dict[str, Any], str], None] | None = None
    """Called (on the server's thread) with each accepted send's body and message id; benchmarks
    time replies with it."""
    received: list[Received] = field(default_factory=list)
    media: MediaShelf = field(default_factory=MediaShelf)
    """Files served by the media endpoints (Retrieve Media URL, Download Media)."""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)

    def fail_next(self, *kinds: str) -> None:
        """Answer the next sends with these failures, in order: an `ERRORS` name, "http_500" or "timeout"."""
        for kind in kinds:
            if kind not in ERRORS and kind not in ("http_500", "timeout"):
                raise ValueError(f"unknown failure {kind!r}")
        with self._lock:
            self._failures.extend(kinds)

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Bodies of the sends that were accepted."""
        with self._lock:
            return [r.body for r in self.received if r.accepted]

    def _answer(self, path: str, authorization: str | None, body: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
        if authorization != f"Bearer {self.access_token}":
            failure = "token_expired"
        if failure is None and not path.endswith("/messages"):
            failure = "invalid_parameter"
        if failure == "timeout":
            self._stopping.wait(60)
            return 0, None
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        with self._lock:
            self.received.append(Received(path, authorization, body, accepted=failure is None))
        if failure == "http_500":
            return 500, {
                "error": {"message": "An unknown error occurred", "type": "OAuthException", "code": 1}
            }
        if failure is not None:
            return _error(failure)
        address = body.get("to") or body.get("recipient")
        message_id = f"wamid.FAKE{next(self._ids):08d}"
        if self.on_accepted is not None:
            self.on_accepted(body, message_id)
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": address, "wa_id": address}],
            "messages": [{"id": message_id}],
        }


def _error(name: str) -> tuple[int, dict[str, Any]]:
    status, code, title, details = ERRORS[name]
    return status, {
        "error": {
            "message": f"(#{code}) {title}",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": "AFakeTraceId",
        }
    }


def _handler(fake: FakeGraphApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                body = {}
            status, answer = fake._answer(self.path, self.headers.get("Authorization"), body)
            if status == 0:
                self.close_connection = True
                return
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            if self.headers.get("Authorization") != f"Bearer {fake.access_token}":
                send_json(self, *_json(_error("token_expired")))
                return
            if self.path.startswith(FILES_PATH):
                fake.media.serve(self, self.path.removeprefix(FILES_PATH))
                return
            found = fake.media.retrieve_url(self.path.rstrip("/").rsplit("/", 1)[-1], fake.base_url)
            send_json(self, *_json((200, found) if found else _error("invalid_parameter")))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _json(answer: tuple[int, Any]) -> tuple[int, bytes]:
    return answer[0], json.dumps(answer[1]).encode()
