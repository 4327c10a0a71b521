"""Fakes of the places alerts go, each a real server on 127.0.0.1 speaking its format.

- `FakeSlack`: an incoming webhook; answers ``ok``, or 400 ``invalid_blocks`` when the Block Kit
  message breaks Slack's limits (header plain text of at most 150 characters, at most 10 fields).
- `FakeTeams`: an incoming webhook; answers 202 to one Adaptive Card in the ``attachments``
  envelope, 400 otherwise.
- `FakeWebhookReceiver`: verifies the Standard Webhooks signature with the subscription's secret
  (401 when it does not verify) and notes each replayed ``webhook-id``.
- `FakeMailbox`: an aiosmtpd SMTP server keeping what it receives.

Each can be scripted to answer some statuses first (``script(500, 200)``).
"""

from __future__ import annotations

import json
import socket
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session
from standardwebhooks import Webhook, WebhookVerificationError

from tests.fakes.server import LocalHttpFake


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ScriptedReceiver(LocalHttpFake):
    """Records every POST; answers the scripted statuses first, then checks the body's format."""

    thread_name: ClassVar[str] = "fake-alert-receiver"
    received: list[Received] = field(default_factory=list)
    scripted: deque[tuple[int, str, dict[str, str]]] = field(default_factory=deque)

    def script(self, *statuses: int, retry_after: str | None = None) -> None:
        for status in statuses:
            headers = {"Retry-After": retry_after} if retry_after and status in (429, 503) else {}
            self.scripted.append((status, f"scripted {status}", headers))

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]

    @property
    def path(self) -> str:
        return "/hook/T000/B000/XXXXSECRETPATH"

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, str, dict[str, str]]:
        raise NotImplementedError

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with fake._lock:
                    status, text, extra = (
                        fake.scripted.popleft() if fake.scripted else fake.answer(headers, body)
                    )
                    fake.received.append(Received(self.path, headers, body, status))
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(text.encode())))
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@dataclass
class FakeSlack(ScriptedReceiver):
    thread_name: ClassVar[str] = "fake-slack"

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, str, dict[str, str]]:
        try:
            message = json.loads(body)
        except ValueError:
            return 400, "invalid_payload", {}
        blocks = message.get("blocks")
        if not isinstance(blocks, list) or not blocks or len(blocks) > 50:
            return 400, "invalid_blocks", {}
        for block in blocks:
            if block["type"] == "header" and (
                block["text"]["type"] != "plain_text" or len(block["text"]["text"]) > 150
            ):
                return 400, "invalid_blocks", {}
            if block["type"] == "section" and len(block.get("fields", [])) > 10:
                return 400, "invalid_blocks", {}
        return 200, "ok", {}


@dataclass
class FakeTeams(ScriptedReceiver):
    thread_name: ClassVar[str] = "fake-teams"

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, str, dict[str, str]]:
        message = json.loads(body)
        attachments = message.get("attachments") or []
        if (
            message.get("type") != "message"
            or len(attachments) != 1
            or attachments[0].get("contentType") != "application/vnd.microsoft.card.adaptive"
            or attachments[0]["content"].get("type") != "AdaptiveCard"
        ):
            return 400, "Bad payload: expected one Adaptive Card attachment", {}
        return 202, "", {}


@dataclass
class FakeWebhookReceiver(ScriptedReceiver):
    """A team's endpoint: verifies each request with ``secret`` and spots replays by webhook-id."""

    thread_name: ClassVar[str] = "fake-webhook-receiver"
    secret: str = ""
    seen_ids: set[str] = field(default_factory=set)
    replays: list[str] = field(default_factory=list)

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, str, dict[str, str]]:
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as exc:
            return 401, str(exc), {}
        message_id = headers["webhook-id"]
        if message_id in self.seen_ids:
            self.replays.append(message_id)
        self.seen_ids.add(message_id)
        return 204, "", {}

    @property
    def verified(self) -> list[Received]:
        return [r for r in self.received if r.status == 204]


@dataclass
class FakeMailbox:
    """An SMTP handler keeping what it receives."""

    received: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


@contextmanager
def smtp_server(mailbox: FakeMailbox) -> Iterator[int]:
    """An aiosmtpd server on a free port of 127.0.0.1 for the duration; yields the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
