"""Pigeon's webhook: its signature, and its deliveries read once into events."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from askwhy.channels.base import InboundEvent, ReadDelivery, StatusEvent, WebhookEvent
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings
from tests.fakes.pigeon_channel.settings import PigeonSettings

SIGNATURE_HEADER = "X-Pigeon-Signature"


class MalformedPigeon(ValueError):
    """The body is not a Pigeon delivery; the message names what is wrong."""


def signature(*, secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(settings: Settings, headers: Mapping[str, str], body: bytes) -> bool:
    """The delivery is Pigeon's when its signature is the HMAC of its body under our secret."""
    secret = PigeonSettings().secret
    given = headers.get(SIGNATURE_HEADER)
    if secret is None or not given:
        return False
    return hmac.compare_digest(given, signature(secret=secret.get_secret_value(), body=body))


def read(body: bytes, received_at: datetime) -> ReadDelivery:
    try:
        delivery = json.loads(body)
    except ValueError:
        raise MalformedPigeon("the body is not JSON") from None
    if not isinstance(delivery, dict):
        raise MalformedPigeon("the body is not a JSON object")
    channel = Channel("pigeon")
    events: list[WebhookEvent] = [
        _message(channel, item, received_at) for item in delivery.get("messages", [])
    ]
    events += [_receipt(channel, item, received_at) for item in delivery.get("receipts", [])]
    return ReadDelivery(events=events)


def _message(channel: Channel, item: dict[str, Any], received_at: datetime) -> InboundEvent:
    for name in ("id", "from", "text"):
        if not isinstance(item.get(name), str):
            raise MalformedPigeon(f"messages[].{name} must be a string")
    return InboundEvent(
        channel=channel,
        provider_message_id=item["id"],
        sender=item["from"],
        text=item["text"],
        received_at=received_at,
    )


def _receipt(channel: Channel, item: dict[str, Any], received_at: datetime) -> StatusEvent:
    for name in ("id", "status"):
        if not isinstance(item.get(name), str):
            raise MalformedPigeon(f"receipts[].{name} must be a string")
    return StatusEvent(
        channel=channel, provider_message_id=item["id"], status=item["status"], at=received_at, raw=item
    )
