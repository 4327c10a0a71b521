"""Pigeon's sender: one JSON request per message to Pigeon's API."""

from __future__ import annotations

import httpx

from askwhy.channels.adapter import SenderNeeds
from askwhy.channels.base import OutgoingMessage, SendError, SendResult, as_numbered_text
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings
from tests.fakes.pigeon_channel.settings import PigeonSettings


class PigeonSender:
    channel = Channel.register("pigeon")

    def __init__(self, *, api_url: str, secret: str) -> None:
        self._api_url, self._secret = api_url.rstrip("/"), secret

    def send(self, message: OutgoingMessage) -> SendResult:
        body = {
            "to": message.to,
            "text": as_numbered_text(message.text, message.choices),
            "key": message.idempotency_key,
        }
        try:
            answer = httpx.post(
                f"{self._api_url}/messages",
                json=body,
                headers={"Authorization": f"Bearer {self._secret}"},
                timeout=5,
            )
        except httpx.HTTPError as exc:
            raise SendError(f"Pigeon could not be reached ({type(exc).__name__})", code="network") from None
        if answer.status_code != 200:
            raise SendError(f"Pigeon answered {answer.status_code}", code=str(answer.status_code))
        return SendResult(provider_message_id=str(answer.json()["id"]))


def build_sender(settings: Settings, needs: SenderNeeds) -> PigeonSender:
    pigeon = PigeonSettings()
    if pigeon.secret is None or pigeon.api_url is None:
        raise ValueError("Pigeon needs ASKWHY_PIGEON_SECRET and ASKWHY_PIGEON_API_URL")
    return PigeonSender(api_url=pigeon.api_url, secret=pigeon.secret.get_secret_value())
