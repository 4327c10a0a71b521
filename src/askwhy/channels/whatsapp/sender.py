"""`WhatsAppSender`: delivers `OutgoingMessage`s through the Graph API, blocking, with timeouts.

Called from worker threads only. It holds no retry state: each failure becomes a `SendError`
that tells the outbox whether and when to try again. The access token and the message text are
never logged.

Every send is one POST to the same URL with the same headers, so the request is prepared once
and handed straight to httpx's pooled keep-alive transport: going through ``httpx.Client`` (URL
merging, cookie jar, auth and redirect handling, none of which this API uses) cost more CPU
than the HTTP exchange itself.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

import httpx
from pydantic import SecretStr

from askwhy.channels.base import OutgoingMessage, SendError, SendResult
from askwhy.channels.whatsapp.errors import DEFAULT_RETRY_SECONDS, send_error
from askwhy.channels.whatsapp.messages import request_body
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings

log = logging.getLogger(__name__)

USER_AGENT = f"askwhy python-httpx/{httpx.__version__}"


class WhatsAppSender:
    """Sends on one business phone number. Thread-safe: one shared keep-alive connection pool."""

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
        self._url = httpx.URL(f"{base_url.rstrip('/')}/{api_version}/{phone_number_id}/messages")
        self._headers = httpx.Headers(
            {
                "Host": self._url.netloc.decode("ascii"),
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",
                "User-Agent": USER_AGENT,
                "Authorization": f"Bearer {access_token.get_secret_value()}",
                "Content-Type": "application/json",
            }
        )
        timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0))
        self._extensions = {"timeout": timeout.as_dict()}
        self._transport = transport or httpx.HTTPTransport(proxy=environment_proxy(self._url))

    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            response = self._post(encode(request_body(message)))
        except httpx.TimeoutException:
            raise self._logged(
                message,
                SendError(
                    "the Graph API did not answer in time",
                    code="timeout",
                    retry_after_seconds=DEFAULT_RETRY_SECONDS,
                    unavailable=True,
                ),
            ) from None
        except httpx.TransportError as exc:
            error = SendError(
                f"could not reach the Graph API ({type(exc).__name__})",
                code="connection",
                retry_after_seconds=DEFAULT_RETRY_SECONDS,
                unavailable=True,
            )
            raise self._logged(message, error) from None
        if response.is_success:
            return SendResult(provider_message_id=_message_id(response.content), status="sent")
        error = send_error(
            status_code=response.status_code,
            body=response.content,
            retry_after=response.headers.get("Retry-After"),
        )
        raise self._logged(message, error)

    def close(self) -> None:
        self._transport.close()

    def _post(self, content: bytes) -> httpx.Response:
        """POST ``content`` and read the whole answer, giving the connection back to the pool."""
        request = httpx.Request(
            "POST", self._url, headers=self._headers, content=content, extensions=self._extensions
        )
        response = self._transport.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        return response

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


def encode(body: dict[str, Any]) -> bytes:
    """The body as compact UTF-8 JSON, as httpx's ``json=`` would send it."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def environment_proxy(url: httpx.URL) -> str | None:
    """The proxy that HTTPS_PROXY / ALL_PROXY (minus NO_PROXY) name for ``url``, as httpx.Client
    would use it; the transport alone does not read the environment."""
    proxies = urllib.request.getproxies()
    if urllib.request.proxy_bypass(url.host):
        return None
    return proxies.get(url.scheme) or proxies.get("all")


def _message_id(body: bytes) -> str:
    """The ``wamid`` of the accepted message, from the documented success body."""
    try:
        document: Any = json.loads(body)
        return str(document["messages"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise SendError(
            "the Graph API accepted the message but sent no message id", code="no_message_id", permanent=True
        ) from None
