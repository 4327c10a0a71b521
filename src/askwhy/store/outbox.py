"""Queries for the outbox: outbound messages waiting to be sent."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Row, Select, Table, Update, bindparam, or_, select, update
from sqlalchemy.orm import Session

from askwhy.store.messaging_tables import DeliveryEvent
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


def claim_due(*, session: Session, now: datetime, lease_until: datetime, limit: int) -> list[Row[Any]]:
    """Mark up to ``limit`` due pending messages as being sent (one more attempt, a lease until
    ``lease_until``) and return them; rows another worker holds are skipped (PostgreSQL).

    Messages with an expiry in their payload are left alone: `askwhy.delivery.claim_message`
    checks it one by one."""
    rows = list(session.execute(_due_rows(), {"now": now, "limit": limit}))
    claimed = [row for row in rows if "expires_at" not in (row.payload or {})]
    if claimed:
        session.execute(_claim(), {"ids": [row.id for row in claimed], "lease": lease_until})
    return claimed


def waiting_events(*, session: Session, keys: list[str], provider_ids: list[str]) -> set[str]:
    """Of these idempotency keys and provider ids, those carried by status events not yet matched."""
    table = cast(Table, DeliveryEvent.__table__)
    c = table.c
    query = select(c.idempotency_key, c.provider_message_id).where(
        c.message_id.is_(None), or_(c.idempotency_key.in_(keys), c.provider_message_id.in_(provider_ids))
    )
    return {value for row in session.execute(query) for value in row if value}


@cache
def _due_rows() -> Select[Any]:
    table = cast(Table, Message.__table__)
    c = table.c
    return (
        select(
            c.id,
            c.channel,
            c.to_address,
            c.text,
            c.idempotency_key,
            c.choices,
            c.payload,
            c.conversation_id,
        )
        .where(
            c.direction == "out",
            c.status == "pending",
            c.next_attempt_at <= bindparam("now", type_=c.next_attempt_at.type),
        )
        .order_by(c.next_attempt_at)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


@cache
def _claim() -> Update:
    table = cast(Table, Message.__table__)
    c = table.c
    return (
        update(table)
        .where(c.id.in_(bindparam("ids", expanding=True)), c.status == "pending")
        .values(
            status="sending",
            attempts=c.attempts + 1,
            next_attempt_at=bindparam("lease", type_=c.next_attempt_at.type),
        )
    )
