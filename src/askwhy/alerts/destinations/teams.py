"""Microsoft Teams: an incoming webhook (or a Workflows "post to a channel when a webhook request
is received" URL), the message as one Adaptive Card in the ``attachments`` envelope.

Teams answers 200 (classic connectors) or 202 (Workflows); 429 and 5xx are retried.
"""

from __future__ import annotations

from dataclasses import dataclass

from askwhy.alerts.destinations.base import Message, Outcome, post_json, render_json, test_message


@dataclass(frozen=True)
class Teams:
    url: str
    timeout_seconds: float = 10.0
    kind: str = "teams"

    def render(self, message: Message) -> str:
        return render_json("teams.json", message)

    def notify(self, payload: str, *, notification_id: str) -> Outcome:
        return post_json(self.url, payload, headers={}, timeout=self.timeout_seconds)

    def test(self) -> Outcome:
        return self.notify(self.render(test_message(self.kind)), notification_id="test")
