"""A local OpenAI-compatible chat completions server, answering from a script."""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

from tests.fakes.server import LocalHttpFake


@dataclass(frozen=True)
class Answer:
    """One scripted answer: a completion text, or a status and raw body, after a delay."""

    text: str = ""
    delay: float = 0.0
    status: int = 200
    raw: str | None = None
    refusal: str | None = None


@dataclass
class FakeOpenAI(LocalHttpFake):
    thread_name: ClassVar[str] = "openai-fake"
    answers: deque[Answer] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    default: Answer = field(default_factory=lambda: Answer("How did that go?"))

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                fake.requests.append(json.loads(self.rfile.read(length) or b"{}"))
                fake.headers.append(dict(self.headers))
                answer = fake.answers.popleft() if fake.answers else fake.default
                time.sleep(answer.delay)
                body = answer.raw if answer.raw is not None else json.dumps(_completion(answer))
                payload = body.encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up first

            def log_message(self, *_: object) -> None:
                pass

        return Handler


def _completion(answer: Answer) -> dict[str, Any]:
    message = {
        "role": "assistant",
        "content": None if answer.refusal else answer.text,
        "refusal": answer.refusal,
    }
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }
