"""Pigeon's API, faked: a real HTTP server on 127.0.0.1 that records what it is asked to send."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.server import LocalHttpFake


@dataclass
class PigeonLoft(LocalHttpFake):
    """Answers ``POST /messages`` with a new id when the bearer secret is right."""

    secret: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        loft = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                if self.path != "/messages" or self.headers.get("Authorization") != f"Bearer {loft.secret}":
                    self._answer(401, {"error": "unauthorised"})
                    return
                with loft._lock:
                    loft.sent.append(body)
                    number = next(loft._ids)
                self._answer(200, {"id": f"pigeon-{number}"})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
