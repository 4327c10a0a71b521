"""Queries for the outbox: outbound messages waiting to be sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.store.tables import Message


def lock_message(*, session: Session, message_id: int, skip_locked: bool = False) -> Message | None:
    """Load a message for update; with ``skip_locked``, a row another worker holds gives None."""
    query = select(Message).where(Message.id == message_id).with_for_update(skip_locked=skip_locked)
    return session.scalars(query).one_or_none()


def due_message_ids(*, session: Session, now: datetime, limit: int) -> list[int]:
    """Outbound messages due to be sent, or whose sending lease has run out, oldest due first."""
    query = (
        select(Message.id)
        .where(
            Message.direction == "out",
            Message.status.in_(("pending", "sending")),
            Message.next_attempt_at <= now,
        )
        .order_by(Message.next_attempt_at)
        .limit(limit)
    )
    return list(session.scalars(query))
