"""A local OpenAI-compatible chat completions server on 127.0.0.1, answering from a script.

It speaks ``POST /v1/chat/completions`` and answers with the real (non-streaming) response shape:
``id``, ``object: "chat.completion"``, ``created``, ``model``, ``choices`` (``index``,
``message`` with ``role``, ``content`` and ``refusal``, ``logprobs``, ``finish_reason``) and
``usage``. Any other path answers 404, as a real server does, so a wrong base URL shows up.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

from tests.fakes.server import LocalHttpFake

PATH = "/v1/chat/completions"
_PLANNED = re.compile(r'keeping its meaning: "(.*)"')
_QUESTION = re.compile(r"[^.!?¡¿]*\?")


@dataclass(frozen=True)
class Answer:
    """One scripted answer: a completion text, or a status and raw body, after a delay."""

    text: str = ""
    delay: float = 0.0
    status: int = 200
    raw: str | None = None
    refusal: str | None = None
    finish_reason: str = "stop"


@dataclass
class FakeOpenAI(LocalHttpFake):
    """Answers each request with the next scripted answer, then with ``default``; records requests."""

    thread_name: ClassVar[str] = "openai-fake"
    answers: deque[Answer] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    default: Answer = field(default_factory=lambda: Answer("How did that go?"))
    respond: Callable[[dict[str, Any]], Answer] | None = None
    """Computes the answer from the request once the script is used up (instead of ``default``)."""

    @property
    def prompts(self) -> list[str]:
        """Every message text the server was sent, in order."""
        return [m["content"] for r in self.requests for m in r.get("messages", [])]

    def next_answer(self, request: dict[str, Any]) -> Answer:
        """The next scripted answer, else ``respond``'s, else ``default``."""
        if self.answers:
            return self.answers.popleft()
        return self.respond(request) if self.respond is not None else self.default

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if self.path != PATH:
                    self._send(404, json.dumps({"error": {"message": f"no route {self.path}"}}))
                    return
                request = json.loads(body or b"{}")
                fake.requests.append(request)
                fake.headers.append(dict(self.headers))
                answer = fake.next_answer(request)
                time.sleep(answer.delay)
                raw = answer.raw if answer.raw is not None else json.dumps(_completion(answer, request))
                self._send(answer.status, raw)

            def _send(self, status: int, raw: str) -> None:
                payload = raw.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up first

            def log_message(self, *_: object) -> None:
                pass

        return Handler


def _completion(answer: Answer, request: dict[str, Any]) -> dict[str, Any]:
    message = {
        "role": "assistant",
        "content": None if answer.refusal else answer.text,
        "refusal": answer.refusal,
    }
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in request.get("messages", []))
    completion_tokens = len(answer.text.split())
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", ""),
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": answer.finish_reason}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def echo_planned(*, opening: str, delay: float) -> Callable[[dict[str, Any]], Answer]:
    """A model that words every probe as ``opening`` followed by the question askwhy planned."""

    def respond(request: dict[str, Any]) -> Answer:
        prompt = request["messages"][-1]["content"]
        planned = _PLANNED.search(prompt)
        questions = _QUESTION.findall(planned.group(1)) if planned else []
        text = f"{opening} {questions[-1].strip()}" if questions else "How did that go?"
        return Answer(text, delay=delay)

    return respond
