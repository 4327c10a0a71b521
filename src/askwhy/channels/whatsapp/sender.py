"""`WhatsAppSender`: delivers `OutgoingMessage`s through the Graph API, blocking, with timeouts.

Called from worker threads only. It holds no retry state: each failure becomes a `SendError`
that tells the outbox whether and when to try again. The access token and the message text are
never logged.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from pydantic import SecretStr

from askwhy.channels.base import OutgoingMessage, SendError, SendResult
from askwhy.channels.whatsapp.errors import DEFAULT_RETRY_SECONDS, send_error
from askwhy.channels.whatsapp.messages import request_body
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings

log = logging.getLogger(__name__)


class WhatsAppSender:
    """Sends on one business phone number. Thread-safe: one shared connection pool."""

    channel = Channel.WHATSAPP

    def __init__(
        self,
        *,
        phone_number_id: str,
        access_token: SecretStr,
        base_url: str = "https://graph.facebook.com",
        api_version: str = "v21.0",
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._path = f"/{api_version}/{phone_number_id}/messages"
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {access_token.get_secret_value()}"},
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0)),
            transport=transport,
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            response = self._client.post(self._path, json=request_body(message))
        except httpx.TimeoutException:
            raise self._logged(
                message,
                SendError(
                    "the Graph API did not answer in time",
                    code="timeout",
                    retry_after_seconds=DEFAULT_RETRY_SECONDS,
                ),
            ) from None
        except httpx.TransportError as exc:
            error = SendError(
                f"could not reach the Graph API ({type(exc).__name__})",
                code="connection",
                retry_after_seconds=DEFAULT_RETRY_SECONDS,
            )
            raise self._logged(message, error) from None
        if response.is_success:
            return SendResult(provider_message_id=_message_id(response), status="sent")
        error = send_error(
            status_code=response.status_code,
            body=response.content,
            retry_after=response.headers.get("Retry-After"),
        )
        raise self._logged(message, error)

    def close(self) -> None:
        self._client.close()

    def _logged(self, message: OutgoingMessage, error: SendError) -> SendError:
        log.warning(
            "whatsapp send failed: conversation=%s key=%s code=%s permanent=%s needs_template=%s",
            message.conversation_id,
            message.idempotency_key,
            error.code,
            error.permanent,
            error.needs_template,
        )
        return error


def build_sender(settings: Settings) -> WhatsAppSender:
    """The sender the settings describe (the senders registry calls this when WhatsApp is configured)."""
    if not (settings.whatsapp_phone_number_id and settings.whatsapp_access_token):
        raise ValueError("WhatsApp needs ASKWHY_WHATSAPP_PHONE_NUMBER_ID and ASKWHY_WHATSAPP_ACCESS_TOKEN")
    return WhatsAppSender(
        phone_number_id=settings.whatsapp_phone_number_id,
        access_token=settings.whatsapp_access_token,
        base_url=settings.whatsapp_api_base_url,
        api_version=settings.whatsapp_api_version,
        timeout_seconds=settings.whatsapp_timeout_seconds,
    )


def _message_id(response: httpx.Response) -> str:
    """The ``wamid`` of the accepted message, from the documented success body."""
    try:
        document: Any = response.json()
        return str(document["messages"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise SendError(
            "the Graph API accepted the message but sent no message id", code="no_message_id", permanent=True
        ) from None
