"""Standard Webhooks signatures (standardwebhooks.com), as askwhy's outbound webhooks carry them.

Each request carries ``webhook-id`` (the notification's id: the same on every retry, so a receiver
can drop a replay), ``webhook-timestamp`` (seconds, fresh per attempt) and ``webhook-signature``
(``v1,`` and the base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}`` under the ``whsec_`` secret).
The `standardwebhooks` package signs, so any receiver's Standard Webhooks library verifies.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
SECRET_BYTES = 24


def new_secret() -> str:
    """A fresh ``whsec_`` secret (24 random bytes, base64), shown once to whoever subscribes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def is_secret(value: str) -> bool:
    """Whether ``value`` is a usable ``whsec_`` secret (base64 after the prefix)."""
    if not value.startswith(SECRET_PREFIX):
        return False
    try:
        return bool(base64.b64decode(value[len(SECRET_PREFIX) :], validate=True))
    except ValueError:
        return False


def signed_headers(*, secret: str, message_id: str, body: str, at: datetime | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt at sending ``body``."""
    at = at or datetime.now(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def verify(*, secret: str, headers: Mapping[str, str], body: bytes | str) -> Any:
    """The parsed body if the headers sign it under ``secret`` within five minutes; raises
    `standardwebhooks.WebhookVerificationError` otherwise. What a receiver runs."""
    return Webhook(secret).verify(body, dict(headers))
