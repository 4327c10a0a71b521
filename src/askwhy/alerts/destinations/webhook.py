"""A generic webhook: the event as JSON (``type``, ``timestamp``, ``data``), signed the Standard
Webhooks way, so a team's own tools can verify it came from askwhy and drop replays.

The same transport delivers alert destinations of kind ``webhook`` and outbound event
subscriptions (`askwhy.alerts.subscriptions`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from askwhy.alerts import signing
from askwhy.alerts.destinations.base import Message, Outcome, post_json, test_message
from askwhy.store.outbound_events import event_body

USER_AGENT = "askwhy-webhooks/1"


@dataclass(frozen=True)
class SignedWebhook:
    url: str
    secret: str
    timeout_seconds: float = 10.0
    kind: str = "webhook"

    def render(self, message: Message) -> str:
        return render_event(message)

    def notify(self, payload: str, *, notification_id: str) -> Outcome:
        headers = signing.signed_headers(
            secret=self.secret, message_id=f"msg_{notification_id}", body=payload
        )
        return post_json(
            self.url, payload, headers={**headers, "User-Agent": USER_AGENT}, timeout=self.timeout_seconds
        )

    def test(self) -> Outcome:
        message = test_message(self.kind)
        test = Message(**{**message.__dict__, "data": {"summary": message.summary}})
        return self.notify(self.render(test), notification_id=f"test_{secrets.token_hex(12)}")


def render_event(message: Message) -> str:
    """The Standard Webhooks envelope: ``type``, ``timestamp`` and the event's ``data``."""
    return event_body(event=message.event, data=message.data, at=datetime.now(UTC))
