"""Incoming WhatsApp webhooks: the subscription handshake, the signature, and the events inside.

One delivery can carry several entries, each with several changes, each with several messages
and statuses; every one of them becomes an event. Kinds askwhy has no use for (reactions, system
notices, other webhook fields) are skipped; unknown message kinds are kept as media references so
the interviewer can ask the customer to type, and unknown statuses are passed through as they are.

The body is read within bounds (`askwhy.channels.json_guard`); a body that is not a delivery is
refused whole. Each message and status is then read on its own: one that cannot be read (no id,
a timestamp that is no time, an id no database stores…) is set aside as a `RejectedItem` with its
reason, and never takes the items beside it along. Lone surrogates and NULs in the customer's
words are replaced, so that nothing read here fails to store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from askwhy.channels import json_guard
from askwhy.channels.base import (
    MAX_ADDRESS_CHARS,
    MAX_CODE_CHARS,
    MAX_KEY_CHARS,
    MAX_PROVIDER_ID_CHARS,
    MAX_STATUS_CHARS,
    InboundEvent,
    ReadDelivery,
    RejectedItem,
    StatusEvent,
    WebhookEvent,
    storable,
)
from askwhy.domain.conversation import Channel

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
SKIPPED_TYPES = frozenset({"reaction", "system", "request_welcome", "ephemeral", "revoke"})
"""Message kinds that are not a customer's answer and get no reply."""
MAX_TEXT_CHARS = 4096
"""WhatsApp's own limit on a text message; a longer one did not come from WhatsApp."""
LATEST_TIMESTAMP = 4_102_444_800
"""2100-01-01: a message's Unix time is between 1970 and this."""


class MalformedDelivery(ValueError):
    """The body is not a WhatsApp webhook delivery; the message says what is wrong."""


class _Refused(ValueError):
    """One item cannot be read; the message says which field and why (never its value)."""


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
    """Every message and status in a delivery that can be read, in the order they appear."""
    read = read_delivery(body, now=now)
    for item in read.rejected:
        log.warning("whatsapp webhook item refused: %s", item.reason)
    return read.events


def parse_kept(body: bytes, received_at: datetime) -> list[WebhookEvent]:
    """A delivery kept in the webhook inbox, parsed again as it was when it arrived."""
    return parse_delivery(body, now=received_at)


def read_kept(body: bytes, received_at: datetime) -> ReadDelivery:
    """A kept delivery read again as it was when it arrived, with the items it refuses."""
    return read_delivery(body, now=received_at)


def read_delivery(body: bytes, *, now: datetime) -> ReadDelivery:
    """Every message and status in a delivery, in order, and the items refused one by one."""
    try:
        document = json_guard.load(body)
    except json_guard.UnsafeJson as exc:
        raise MalformedDelivery(f"the body is {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("entry"), list):
        raise MalformedDelivery("the body has no 'entry' list: not a WhatsApp webhook delivery")
    read = ReadDelivery(events=[])
    clean = not json_guard.may_hold_unstorable(body)  # then the statuses' raw objects need no copy
    for value in _message_values(document["entry"]):
        _read_value(value, now=now, into=read, clean=clean)
    return read


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


def _read_value(value: Mapping[str, Any], *, now: datetime, into: ReadDelivery, clean: bool) -> None:
    recipient = _text(_dict(value.get("metadata")).get("phone_number_id"))
    contacts = [c for c in _list(value.get("contacts")) if isinstance(c, dict)]
    for error in _list(value.get("errors")):
        log.warning("whatsapp webhook reported an error: code=%.100s", _text(_dict(error).get("code")))
    for index, message in _items(value, "messages", into):
        try:
            event = _inbound(message, contacts=contacts, recipient=recipient, now=now)
        except Exception as exc:  # whatever is wrong with one message stays with that message
            into.rejected.append(_rejected(f"messages.{index}", exc, message))
        else:
            if event is not None:
                into.events.append(event)
    for index, status in _items(value, "statuses", into):
        try:
            into.events.append(_status(status, now=now, clean=clean))
        except Exception as exc:
            into.rejected.append(_rejected(f"statuses.{index}", exc, status))


def _items(value: Mapping[str, Any], name: str, into: ReadDelivery) -> Iterator[tuple[int, Any]]:
    items = value.get(name)
    if items is None:
        return
    if not isinstance(items, list):
        into.rejected.append(_rejected(name, _Refused("not a list"), items))
        return
    yield from enumerate(items)


def _rejected(where: str, error: Exception, item: Any) -> RejectedItem:
    reason = str(error) if isinstance(error, _Refused) else f"unreadable ({type(error).__name__})"
    message_id = item.get("id") if isinstance(item, dict) else None
    return RejectedItem(
        channel=Channel.WHATSAPP,
        reason=f"{where}: {reason}",
        raw=json.dumps(item, ensure_ascii=True),
        provider_message_id=message_id
        if isinstance(message_id, str) and not json_guard.unstorable(message_id)
        else None,
    )


def _inbound(
    message: Any, *, contacts: list[dict[str, Any]], recipient: str | None, now: datetime
) -> InboundEvent | None:
    if not isinstance(message, dict):
        raise _Refused("not an object")
    kind = _identifier(message, "type", MAX_CODE_CHARS - len("interactive:")) or "unknown"
    if kind in SKIPPED_TYPES:
        return None
    message_id = _identifier(message, "id", MAX_PROVIDER_ID_CHARS)
    contact = _contact_for(message, contacts)
    sender = _sender(message, contact)
    if not message_id or not sender:
        raise _Refused("a message needs an 'id' and a sender ('from', 'from_user_id' or its contact)")
    content = _content(kind, message)
    if len(content["text"]) > MAX_TEXT_CHARS:
        raise _Refused(f"the text is longer than {MAX_TEXT_CHARS} characters")
    return InboundEvent(
        channel=Channel.WHATSAPP,
        provider_message_id=message_id,
        sender=sender,
        received_at=_timestamp(message, now=now),
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
        shown = _identifier(body, "type", MAX_CODE_CHARS - len("interactive:"))
        return {"text": "", "media_type": f"interactive:{shown}"}
    if kind == "button":
        text = _text(body.get("text")) or _text(body.get("payload")) or ""
        return {"text": text, "choice_id": _text(body.get("payload"))}
    return {"text": _text(body.get("caption")) or "", "media_type": kind, "media_id": _text(body.get("id"))}


def _status(status: Any, *, now: datetime, clean: bool) -> StatusEvent:
    if not isinstance(status, dict):
        raise _Refused("not an object")
    message_id = _identifier(status, "id", MAX_PROVIDER_ID_CHARS)
    state = _identifier(status, "status", MAX_STATUS_CHARS)
    if not message_id or not state:
        raise _Refused("a status needs an 'id' and a 'status'")
    errors = [e for e in _list(status.get("errors")) if isinstance(e, dict)]
    first = errors[0] if errors else None
    return StatusEvent(
        channel=Channel.WHATSAPP,
        provider_message_id=message_id,
        status=state,
        at=_timestamp(status, now=now),
        error_code=_error_code(first) if first else None,
        error_reason=_error_reason(first) if first else None,
        idempotency_key=_ours(_text(status.get("biz_opaque_callback_data"))),
        raw=dict(status) if clean else _storable_copy(status),
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
    phone = _address(message, "from") or _address(contact, "wa_id")
    if phone:
        return phone if phone.startswith("+") else f"+{phone}"
    return _address(message, "from_user_id") or _address(contact, "user_id")


def _address(item: Mapping[str, Any], name: str) -> str | None:
    return _identifier(item, name, MAX_ADDRESS_CHARS - 1)


def _error_code(error: Any) -> str | None:
    return _identifier(error, "code", MAX_CODE_CHARS) if isinstance(error, dict) else None


def _ours(key: str | None) -> str | None:
    return key if key is None or len(key) <= MAX_KEY_CHARS else None


def _error_reason(error: Mapping[str, Any]) -> str | None:
    title = _text(error.get("title")) or _text(error.get("message"))
    details = _text(_dict(error.get("error_data")).get("details"))
    return ": ".join(part for part in (title, details) if part) or None


def _timestamp(item: Mapping[str, Any], *, now: datetime) -> datetime:
    """The item's Unix time; ``now`` when it has none. One that is no time refuses the item."""
    raw = item.get("timestamp")
    if raw is None or raw == "":
        return now
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).isascii():
        raise _Refused("'timestamp' is not a Unix time")
    try:
        seconds = int(raw)
    except ValueError:
        raise _Refused("'timestamp' is not a Unix time") from None
    if not 0 <= seconds < LATEST_TIMESTAMP:
        raise _Refused("'timestamp' is out of range (1970 to 2100)")
    return datetime.fromtimestamp(seconds, tz=UTC)


def _identifier(item: Mapping[str, Any], name: str, max_chars: int) -> str | None:
    """An id-like field as text; one a database could not store as sent refuses the item."""
    value = item.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list, bool, float)):
        raise _Refused(f"'{name}' is not text")
    text = str(value)
    if len(text) > max_chars or json_guard.unstorable(text):
        raise _Refused(f"'{name}' is not a valid id")
    return text


def _storable_copy(value: Any) -> Any:
    """The provider's object with every string made storable (depth is bounded by the guard)."""
    if isinstance(value, dict):
        return {storable(str(key)): _storable_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable_copy(item) for item in value]
    return storable(value) if isinstance(value, str) else value


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return storable(str(value)) or None
