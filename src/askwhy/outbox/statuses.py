"""Delivery statuses: every event is kept, and the highest status a message reached wins.

Providers send statuses late, twice and out of order ("read" before "delivered"), and sometimes
before askwhy has even recorded that the send went through. So each event is stored as received
(`delivery_events`), matched to its message by the provider's id or the echoed idempotency key,
and applied by rank: sent < delivered < read < played. A failure is recorded with its reason but
never overrides delivered or read. Statuses askwhy does not know are kept, not rejected. A
failure that says the reply window had closed sends the message again as a template
(`askwhy.outbox.reply_window`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from askwhy.channels.base import SendResult, StatusEvent
from askwhy.outbox.reply_window import send_again_as_template, window_closed
from askwhy.store import messaging as queries
from askwhy.store.messaging_tables import DeliveryEvent
from askwhy.store.tables import Message

STATUS_RANK = {"pending": 0, "sending": 1, "sent": 2, "failed": 2.5, "delivered": 3, "read": 4, "played": 5}
FAILED = frozenset({"failed", "undelivered"})
DEFAULT_FAILURE = "the provider reported a failure"


ADDRESS_FIELDS = frozenset({"recipient_id", "To", "From", "to", "from"})
"""Fields of a provider's status that name the customer: the event's message already says whose it
is, and a status arriving after the customer was erased must not bring their number back."""


def without_addresses(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The provider's status as kept: everything but the customer's address."""
    return {name: value for name, value in raw.items() if name not in ADDRESS_FIELDS}


def record_status(*, session: Session, event: StatusEvent, now: datetime) -> int | None:
    """Keep the event and apply it to its message, if that message is known yet; returns its id.

    One UPDATE applies the status by rank inside the database (no message is loaded), so two
    statuses of one message racing on PostgreSQL take turns on its row and the higher one wins.
    """
    status = event.status.strip().lower()[:40]
    effective = "failed" if status in FAILED else status
    message_id = queries.apply_status_to_outbound(
        session=session,
        channel=event.channel.value,
        provider_message_id=event.provider_message_id,
        idempotency_key=event.idempotency_key,
        status=effective,
        rank=STATUS_RANK.get(effective),
        ranks=STATUS_RANK,
        at=event.at,
        error_code=event.error_code,
        error_reason=event.error_reason,
        default_reason=DEFAULT_FAILURE,
    )
    queries.insert_delivery_event(
        session=session,
        values={
            "channel": event.channel.value,
            "provider_message_id": event.provider_message_id,
            "idempotency_key": event.idempotency_key,
            "message_id": message_id,
            "status": status,
            "at": event.at,
            "error_code": event.error_code,
            "error_reason": event.error_reason,
            "raw": without_addresses(event.raw),
            "received_at": now,
        },
    )
    if message_id is not None and effective == "failed" and window_closed(event.channel, event.error_code):
        message = session.get(Message, message_id, with_for_update=True)
        if message is not None:
            send_again_as_template(session=session, message=message, now=now)
    return message_id


def record_send_results(*, session: Session, sent: Sequence[tuple[int, SendResult]], now: datetime) -> None:
    """Sends went through: each message's provider id, and "sent" (or better) by rank, one
    statement for the whole batch per status."""
    by_status: dict[str, list[tuple[int, str]]] = {}
    for message_id, result in sent:
        for status in dict.fromkeys(("sent", result.status)):
            by_status.setdefault(status, []).append((message_id, result.provider_message_id))
    for status, results in by_status.items():  # "sent" first, as it happened first
        queries.apply_send_results(
            session=session,
            sent=results,
            status=status,
            rank=STATUS_RANK.get(status),
            ranks=STATUS_RANK,
            at=now,
            default_reason=DEFAULT_FAILURE,
        )


def reconcile(*, session: Session, message: Message) -> int:
    """Apply the events that arrived before the message's send result; returns how many."""
    events = queries.unmatched_events_for(session=session, message=message)
    for event in events:
        apply_event(message=message, event=event)
    return len(events)


def apply_event(*, message: Message, event: DeliveryEvent) -> None:
    """Link the event to the message and let its status count."""
    event.message_id = message.id
    if message.provider_message_id is None:
        # The worker died before recording the send; the provider's echo of our key tells us it went.
        message.provider_message_id = event.provider_message_id
    apply_status(
        message=message,
        status=event.status,
        at=event.at,
        error_code=event.error_code,
        error_reason=event.error_reason,
    )


def apply_status(
    *,
    message: Message,
    status: str,
    at: datetime,
    error_code: str | None = None,
    error_reason: str | None = None,
) -> None:
    """Move the message to ``status`` if it ranks higher than where the message stands."""
    status = "failed" if status in FAILED else status
    rank = STATUS_RANK.get(status)
    if rank is None:
        return
    if status == "failed":
        message.error_code = error_code or message.error_code
        message.error_reason = error_reason or message.error_reason or DEFAULT_FAILURE
    # A higher status implies the lower ones happened by then; the earliest evidence wins.
    if rank >= STATUS_RANK["sent"]:
        message.next_attempt_at = None
        if status != "failed":
            message.sent_at = _earliest(message.sent_at, at)
    if rank >= STATUS_RANK["delivered"]:
        message.delivered_at = _earliest(message.delivered_at, at)
    if rank >= STATUS_RANK["read"]:
        message.read_at = _earliest(message.read_at, at)
    if rank > STATUS_RANK.get(message.status, 0):
        message.status = status


def _earliest(current: datetime | None, at: datetime) -> datetime:
    return at if current is None or at < current else current
