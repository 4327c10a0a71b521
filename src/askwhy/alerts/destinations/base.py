"""What every destination shares: the message to tell, the outcome of one try, and HTTP delivery.

A destination never raises into its caller: whatever happens on the wire comes back as an
`Outcome` (delivered, retry later, failed for good), which the notification outbox records and
acts on. Reasons name the status and the destination's answer, never its URL (Slack's and
Teams' URLs are themselves secrets).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import httpx
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
REASON_CHARS = 300


class Status(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    """One delivery attempt's result, as data: the outbox retries or dead-letters on it."""

    status: Status
    reason: str = ""
    retry_after_seconds: float | None = None

    @classmethod
    def delivered(cls) -> Outcome:
        return cls(Status.DELIVERED)

    @classmethod
    def retry(cls, reason: str, *, after_seconds: float | None = None) -> Outcome:
        return cls(Status.RETRY, reason, after_seconds)

    @classmethod
    def failed(cls, reason: str) -> Outcome:
        return cls(Status.FAILED, reason)


@dataclass(frozen=True)
class Message:
    """What to tell a team, before any destination's format: a title, a sentence, facts, quotes."""

    event: str
    """alert.opened, alert.resolved, digest.daily, digest.weekly, test, or an outbound event."""
    title: str
    summary: str
    link: str
    facts: tuple[tuple[str, str], ...] = ()
    quotes: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    """A digest's alerts, one line each."""
    data: dict[str, Any] = field(default_factory=dict)
    """The event as JSON, for signed webhooks."""


class Transport(Protocol):
    """One destination: renders a message in its format once, then sends that rendering."""

    @property
    def kind(self) -> str: ...

    def render(self, message: Message) -> str: ...

    def notify(self, payload: str, *, notification_id: str) -> Outcome: ...

    def test(self) -> Outcome: ...


def templates() -> Environment:
    """The destinations' templates; ``tojson`` keeps JSON ones valid whatever the text holds."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["mrkdwn"] = _mrkdwn
    environment.filters["bullet"] = lambda line: f"\u2022 {line}"
    return environment


def _mrkdwn(text: str) -> str:
    """Slack's three control characters escaped, so customer words cannot mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_json(name: str, message: Message) -> str:
    """A JSON template rendered and checked to parse, compacted to the body that is sent."""
    text = templates().get_template(name).render(message=message)
    return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))


def test_message(kind: str) -> Message:
    """The message `askwhy notifications test` sends, so a team sees where alerts will land."""
    return Message(
        event="test",
        title="askwhy test notification",
        summary=f"This {kind} destination receives askwhy alerts.",
        link="",
        facts=(("Sent", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),),
    )


def resolve(value: str) -> str:
    """A stored target or secret: ``env:NAME`` reads the environment at delivery, so it need not
    be stored; anything else is the value itself."""
    if value.startswith("env:"):
        name = value[4:]
        if name not in os.environ:
            raise LookupError(f"environment variable {name} is not set")
        return os.environ[name]
    return value


def post_json(url: str, body: str, *, headers: dict[str, str], timeout: float) -> Outcome:
    """POST a JSON body: 2xx delivered; 408, 429 and 5xx retried (after Retry-After when given);
    other 4xx failed for good; no answer retried."""
    request = httpx.Request(
        "POST",
        url,
        content=body.encode(),
        headers={"Content-Type": "application/json", **headers},
        extensions={"timeout": httpx.Timeout(timeout).as_dict()},
    )
    try:
        # The transport, not a Client: a Client logs each request's URL, and a Slack or Teams
        # webhook URL is itself the secret. No redirects are followed, for the same reason.
        with httpx.HTTPTransport() as transport:
            response = transport.handle_request(request)
            response.read()
    except httpx.HTTPError as exc:
        return Outcome.retry(f"could not reach the destination ({type(exc).__name__})")
    return outcome_of(response)


def outcome_of(response: httpx.Response) -> Outcome:
    """An HTTP answer as an outcome."""
    if response.is_success:
        return Outcome.delivered()
    reason = f"HTTP {response.status_code}: {response.text[:REASON_CHARS].strip()}".rstrip(": ")
    if response.status_code in (408, 429) or response.status_code >= 500:
        return Outcome.retry(reason, after_seconds=retry_after(response.headers.get("Retry-After")))
    return Outcome.failed(reason)


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
