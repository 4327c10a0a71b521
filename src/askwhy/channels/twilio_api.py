"""Twilio's REST API (2010-04-01): create a Message or a Call, with errors mapped onto `SendError`.

A plain blocking httpx client with timeouts, shared by the SMS, WhatsApp and voice senders; it is
called from worker threads only. The base URL is configurable so tests (and regional edges) can
point it elsewhere. Rate limits, server errors and timeouts are worth a retry; other 4xx answers
are not, and 21610 (the customer replied STOP) also tells the outbox the customer opted out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from askwhy.channels.base import SendError
from askwhy.channels.http_errors import as_int, retry_after_seconds

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
DEFAULT_RETRY_SECONDS = 5.0
UNSUBSCRIBED = 21610
"""The recipient replied STOP to this sender: Twilio refuses every message until they reply START."""
TOO_MANY_REQUESTS = 20429
TRANSIENT_CODES = frozenset({TOO_MANY_REQUESTS, 20500, 20503})
"""Error codes Twilio documents as temporary (rate limit, internal error, service unavailable)."""


class TwilioApi:
    """Creates resources under one account. Thread-safe: one shared connection pool."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: SecretStr,
        base_url: str = "https://api.twilio.com",
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._prefix = f"/{API_VERSION}/Accounts/{account_sid}"
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=(account_sid, auth_token.get_secret_value()),
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0)),
            transport=transport,
        )

    def create(self, resource: str, form: Mapping[str, str]) -> dict[str, Any]:
        """POST ``{resource}.json`` (``Messages``, ``Calls``) and return the created resource."""
        try:
            response = self._client.post(f"{self._prefix}/{resource}.json", data=dict(form))
        except httpx.TimeoutException:
            raise SendError(
                "Twilio did not answer in time", code="timeout", retry_after_seconds=DEFAULT_RETRY_SECONDS
            ) from None
        except httpx.TransportError as exc:
            raise SendError(
                f"could not reach Twilio ({type(exc).__name__})",
                code="connection",
                retry_after_seconds=DEFAULT_RETRY_SECONDS,
            ) from None
        if not response.is_success:
            raise send_error(
                status_code=response.status_code,
                body=response.content,
                retry_after=response.headers.get("Retry-After"),
            )
        document = _json(response.content)
        if not isinstance(document.get("sid"), str):
            raise SendError(
                f"Twilio accepted the {resource} request but sent no sid", code="no_sid", permanent=True
            )
        return document

    def close(self) -> None:
        self._client.close()


def send_error(*, status_code: int, body: bytes, retry_after: str | None) -> SendError:
    """The `SendError` for a non-2xx answer with Twilio's error body (code, message, more_info)."""
    document = _json(body)
    code = as_int(document.get("code"))
    reason = str(document.get("message") or f"HTTP {status_code}")
    shown = str(code) if code is not None else f"http_{status_code}"
    if code == UNSUBSCRIBED:
        return SendError(reason=reason, code=shown, permanent=True, recipient_opted_out=True)
    if code in TRANSIENT_CODES or status_code == 429 or status_code >= 500 or status_code == 408:
        wait = retry_after_seconds(retry_after) or DEFAULT_RETRY_SECONDS
        return SendError(reason=reason, code=shown, retry_after_seconds=wait)
    return SendError(reason=reason, code=shown, permanent=True)


def logged(error: SendError, *, channel: str, conversation_id: str | None, key: str) -> SendError:
    """Log a failed send by its ids and error code only (never the text or the address)."""
    log.warning(
        "twilio %s send failed: conversation=%s key=%s code=%s permanent=%s",
        channel,
        conversation_id,
        key,
        error.code,
        error.permanent,
    )
    return error


def _json(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return document if isinstance(document, dict) else {}
