"""A real queue worker in its own process, sending SMS through a fake provider over HTTP.

Started by tests/messaging/test_reliability.py, which kills it with SIGKILL mid-send.
"""

from __future__ import annotations

import os

import httpx

from askwhy.bootstrap import bootstrap
from askwhy.channels.base import OutgoingMessage, SendError, SendResult
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings


class HttpSender:
    """Posts each message to the fake provider, as a real channel posts to its API."""

    channel = Channel.SMS

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            response = httpx.post(
                self.url,
                json={"to": message.to, "text": message.text, "key": message.idempotency_key},
                timeout=60,
            )
        except httpx.HTTPError as exc:
            raise SendError(f"provider unreachable: {exc}", code="network") from exc
        if response.status_code >= 500:
            raise SendError("provider error", code=str(response.status_code))
        return SendResult(provider_message_id=response.json()["id"])


def main() -> None:
    container = bootstrap(Settings(), senders={Channel.SMS: HttpSender(os.environ["FAKE_PROVIDER_URL"])})
    print("worker ready", flush=True)
    container.jobs.consumer(workers=1).run()


if __name__ == "__main__":
    main()
