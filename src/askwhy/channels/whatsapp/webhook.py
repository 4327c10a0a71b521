"""Incoming WhatsApp webhooks: the subscription handshake, the signature, and the events inside.

One delivery can carry several entries, each with several changes, each with several messages
and statuses; every one of them becomes an event. Kinds askwhy has no use for (reactions, system
notices, other webhook fields) are skipped; unknown message kinds are kept as media references so
the interviewer can ask the customer to type, and unknown statuses are passed through as they are.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from askwhy.channels.base import InboundEvent, StatusEvent, WebhookEvent
from askwhy.domain.conversation import Channel

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
SKIPPED_TYPES = frozenset({"reaction", "system", "request_welcome", "ephemeral", "revoke"})
"""Message kinds that are not a customer's answer and get no reply."""


class MalformedDelivery(ValueError):
    """The body is not a WhatsApp webhook delivery; the message says what is wrong."""


def handshake_challenge(
    *, mode: str | None, token: str | None, challenge: str | None, verify_token: str | None
) -> str | None:
    """The challenge to echo when Meta's subscription request carries our verify token, else None."""
    if mode != "subscribe" or not verify_token or token is None or challenge is None:
        return None
    return challenge if hmac.compare_digest(token.encode(), verify_token.encode()) else None


def signature_matches(*, app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``X-Hub-Signature-256`` is ``sha256=<hex HMAC-SHA256 of the raw body>``."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.removeprefix("sha256=").strip().lower().encode())


def parse_delivery(body: bytes, *, now: datetime) -> list[WebhookEvent]:
    """Every message and status in a delivery, in the order they appear."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedDelivery(f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("entry"), list):
        raise MalformedDelivery("the body has no 'entry' list: not a WhatsApp webhook delivery")
    events: list[WebhookEvent] = []
    for value in _message_values(document["entry"]):
        events.extend(_events_in(value, now=now))
    return events


def parse_kept(body: bytes, received_at: datetime) -> list[WebhookEvent]:
    """A delivery kept in the webhook inbox, parsed again as it was when it arrived."""
    return parse_delivery(body, now=received_at)


def _message_values(entries: list[Any]) -> Iterator[Mapping[str, Any]]:
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            raise MalformedDelivery("an entry has no 'changes' list")
        for change in changes:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise MalformedDelivery("a change has no 'value' object")
            if change.get("field", "messages") != "messages":
                continue
            yield change["value"]


def _events_in(value: Mapping[str, Any], *, now: datetime) -> Iterator[WebhookEvent]:
    recipient = _text(_dict(value.get("metadata")).get("phone_number_id"))
    contacts = [c for c in _list(value.get("contacts")) if isinstance(c, dict)]
    for error in _list(value.get("errors")):
        log.warning("whatsapp webhook reported an error: code=%s", _error_code(error))
    for message in _list(value.get("messages")):
        if isinstance(message, dict):
            event = _inbound(message, contacts=contacts, recipient=recipient, now=now)
            if event is not None:
                yield event
    for status in _list(value.get("statuses")):
        if isinstance(status, dict) and status.get("id") and status.get("status"):
            yield _status(status, now=now)


def _inbound(
    message: Mapping[str, Any], *, contacts: list[dict[str, Any]], recipient: str | None, now: datetime
) -> InboundEvent | None:
    kind = _text(message.get("type")) or "unknown"
    message_id = _text(message.get("id"))
    if kind in SKIPPED_TYPES:
        return None
    contact = _contact_for(message, contacts)
    sender = _sender(message, contact)
    if not message_id or not sender:
        log.warning("whatsapp message of type %s without id or sender skipped", kind)
        return None
    content = _content(kind, message)
    return InboundEvent(
        channel=Channel.WHATSAPP,
        provider_message_id=message_id,
        sender=sender,
        received_at=_timestamp(message.get("timestamp"), now=now),
        recipient=recipient,
        profile_name=_text(_dict(_dict(contact).get("profile")).get("name")),
        **content,
    )


def _content(kind: str, message: Mapping[str, Any]) -> dict[str, Any]:
    """text, choice_id, media_type and media_id of one message, by its kind."""
    body = _dict(message.get(kind))
    if kind == "text":
        return {"text": _text(body.get("body")) or ""}
    if kind == "interactive":
        reply = body.get(_text(body.get("type")) or "")
        if isinstance(reply, dict) and body.get("type") in ("button_reply", "list_reply"):
            return {"text": _text(reply.get("title")) or "", "choice_id": _text(reply.get("id"))}
        return {"text": "", "media_type": f"interactive:{body.get('type')}"}
    if kind == "button":
        text = _text(body.get("text")) or _text(body.get("payload")) or ""
        return {"text": text, "choice_id": _text(body.get("payload"))}
    return {"text": _text(body.get("caption")) or "", "media_type": kind, "media_id": _text(body.get("id"))}


def _status(status: Mapping[str, Any], *, now: datetime) -> StatusEvent:
    errors = [e for e in _list(status.get("errors")) if isinstance(e, dict)]
    first = errors[0] if errors else None
    return StatusEvent(
        channel=Channel.WHATSAPP,
        provider_message_id=str(status["id"]),
        status=str(status["status"]),
        at=_timestamp(status.get("timestamp"), now=now),
        error_code=_error_code(first) if first else None,
        error_reason=_error_reason(first) if first else None,
        idempotency_key=_text(status.get("biz_opaque_callback_data")),
        raw=dict(status),
    )


def _contact_for(message: Mapping[str, Any], contacts: list[dict[str, Any]]) -> dict[str, Any] | None:
    for contact in contacts:
        if message.get("from") and contact.get("wa_id") == message.get("from"):
            return contact
        if message.get("from_user_id") and contact.get("user_id") == message.get("from_user_id"):
            return contact
    return contacts[0] if len(contacts) == 1 else None


def _sender(message: Mapping[str, Any], contact: Mapping[str, Any] | None) -> str | None:
    """The customer's address: E.164 when WhatsApp shares the phone number, else the user id."""
    contact = _dict(contact)
    phone = _text(message.get("from")) or _text(contact.get("wa_id"))
    if phone:
        return phone if phone.startswith("+") else f"+{phone}"
    return _text(message.get("from_user_id")) or _text(contact.get("user_id"))


def _error_code(error: Any) -> str | None:
    return _text(error.get("code")) if isinstance(error, dict) else None


def _error_reason(error: Mapping[str, Any]) -> str | None:
    title = _text(error.get("title")) or _text(error.get("message"))
    details = _text(_dict(error.get("error_data")).get("details"))
    return ": ".join(part for part in (title, details) if part) or None


def _timestamp(raw: Any, *, now: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(str(raw)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return now


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value) or None
