"""Slack: an incoming webhook (one channel per URL), the message in Block Kit.

Slack answers 200 ``ok``; 400 ``invalid_payload``, 403 ``action_prohibited``, 404 ``no_service``
and 410 ``channel_is_archived`` are for the team to fix, so they are not retried; 429 comes with
Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass

from askwhy.alerts.destinations.base import Message, Outcome, post_json, render_json, test_message


@dataclass(frozen=True)
class Slack:
    url: str
    timeout_seconds: float = 10.0
    kind: str = "slack"

    def render(self, message: Message) -> str:
        return render_json("slack.json", message)

    def notify(self, payload: str, *, notification_id: str) -> Outcome:
        return post_json(self.url, payload, headers={}, timeout=self.timeout_seconds)

    def test(self) -> Outcome:
        return self.notify(self.render(test_message(self.kind)), notification_id="test")
