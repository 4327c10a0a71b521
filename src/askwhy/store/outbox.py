"""Queries for the outbox: outbound messages waiting to be sent.

A batch is found with a read (`due_for_batch`, no write turn on SQLite) and taken with one
UPDATE (`claim`) that re-checks each message is still pending and due, so two workers never take
the same message; the claimed rows' content comes back from that UPDATE, never from the read.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Row, Select, Table, Update, bindparam, or_, select, update
from sqlalchemy.orm import Session

from askwhy.store.messaging import OUTBOUND
from askwhy.store.messaging_tables import DeliveryEvent
from askwhy.store.tables import Message


def lock_message(*, session: Session, message_id: int, skip_locked: bool = False) -> Message | None:
    """Load a message for update; with ``skip_locked``, a row another worker holds gives None."""
    query = select(Message).where(Message.id == message_id).with_for_update(skip_locked=skip_locked)
    return session.scalars(query).one_or_none()


def due_message_ids(*, session: Session, now: datetime, limit: int) -> list[int]:
    """Outbound messages due to be sent, or whose sending lease has run out, oldest due first."""
    return list(session.scalars(_due_ids(), {"now": now, "limit": limit}))


def stranded_message_ids(*, session: Session, now: datetime, limit: int) -> list[int]:
    """Of the messages due, those a batch run (`due_for_batch`) leaves alone: leases that ran out
    while ``sending`` (a worker died mid-send), and messages with an expiry to check."""
    rows = session.execute(_due_rows(), {"now": now, "limit": limit})
    return [row.id for row in rows if row.status == "sending" or "expires_at" in (row.payload or {})]


def due_for_batch(*, session: Session, now: datetime, limit: int, held: Collection[str] = ()) -> list[int]:
    """Up to ``limit`` pending messages due by ``now``, oldest due first, for `claim`, none of
    them on the channels ``held`` (their provider is down).

    Messages with an expiry in their payload are left out: `askwhy.outbox.delivery.claim_message`
    checks it one by one."""
    parameters = {"now": now, "limit": limit}
    statement = _due_pending()
    if held:
        statement, parameters = _due_pending_except(), parameters | {"held": list(held)}
    rows = session.execute(statement, parameters)
    return [row.id for row in rows if "expires_at" not in (row.payload or {})]


def first_waiting(*, session: Session, channel: str, now: datetime) -> int | None:
    """The message of ``channel`` waiting longest for its provider: due, or waiting out a retry."""
    c = _messages().c
    query = (
        select(c.id)
        .where(
            c.direction == OUTBOUND,
            c.channel == channel,
            c.status == "pending",
            or_(c.next_attempt_at <= now, c.error_code.is_not(None)),
        )
        .order_by(c.next_attempt_at)
        .limit(1)
    )
    return session.scalar(query)


def release_waiting(*, session: Session, channel: str, now: datetime) -> int:
    """Make every retry of ``channel`` that a failure put off due at ``now``; returns how many."""
    c = _messages().c
    statement = (
        update(_messages())
        .where(
            c.direction == OUTBOUND,
            c.channel == channel,
            c.status == "pending",
            c.error_code.is_not(None),
            c.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
    )
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def claim(
    *, session: Session, message_ids: Sequence[int], now: datetime, lease_until: datetime
) -> list[Row[Any]]:
    """Mark those of these messages still pending and due as being sent (one more attempt, a
    lease until ``lease_until``), in one UPDATE, and return what to send of each.

    Rows another worker holds are skipped (PostgreSQL); on SQLite the write turn serialises claims.
    """
    if not message_ids:
        return []
    parameters = {"ids": list(message_ids), "now": now, "lease": lease_until}
    return list(session.execute(_claim(), parameters))


def waiting_events(*, session: Session, keys: list[str], provider_ids: list[str]) -> set[str]:
    """Of these idempotency keys and provider ids, those carried by status events not yet matched."""
    rows = session.execute(_waiting_events(), {"keys": keys, "provider_ids": provider_ids})
    return {value for row in rows for value in row if value}


# Hot-path statements are built once: building one costs more than running it on SQLite.


def _messages() -> Table:
    return cast(Table, Message.__table__)


@cache
def _due_ids() -> Select[tuple[int]]:
    c = _messages().c
    return (
        select(c.id)
        .where(
            c.direction == OUTBOUND,
            c.status.in_(("pending", "sending")),
            c.next_attempt_at <= bindparam("now", type_=c.next_attempt_at.type),
        )
        .order_by(c.next_attempt_at)
        .limit(bindparam("limit"))
    )


@cache
def _due_rows() -> Select[Any]:
    c = _messages().c
    return _due_ids().with_only_columns(c.id, c.status, c.payload)


@cache
def _due_pending() -> Select[Any]:
    c = _messages().c
    return (
        select(c.id, c.payload)
        .where(
            c.direction == OUTBOUND,
            c.status == "pending",
            c.next_attempt_at <= bindparam("now", type_=c.next_attempt_at.type),
        )
        .order_by(c.next_attempt_at)
        .limit(bindparam("limit"))
    )


@cache
def _due_pending_except() -> Select[Any]:
    c = _messages().c
    return _due_pending().where(c.channel.not_in(bindparam("held", expanding=True)))


@cache
def _claim() -> Update:
    table = _messages()
    c = table.c
    still_due = (
        select(c.id)
        .where(
            c.id.in_(bindparam("ids", expanding=True)),
            c.direction == OUTBOUND,
            c.status == "pending",
            c.next_attempt_at <= bindparam("now", type_=c.next_attempt_at.type),
        )
        .with_for_update(skip_locked=True)
    )
    return (
        update(table)
        .where(c.id.in_(still_due))
        .values(
            status="sending",
            attempts=c.attempts + 1,
            next_attempt_at=bindparam("lease", type_=c.next_attempt_at.type),
        )
        .returning(
            c.id,
            c.channel,
            c.to_address,
            c.text,
            c.idempotency_key,
            c.choices,
            c.payload,
            c.conversation_id,
        )
    )


@cache
def _waiting_events() -> Select[tuple[str | None, str]]:
    c = cast(Table, DeliveryEvent.__table__).c
    return select(c.idempotency_key, c.provider_message_id).where(
        c.message_id.is_(None),
        or_(
            c.idempotency_key.in_(bindparam("keys", expanding=True)),
            c.provider_message_id.in_(bindparam("provider_ids", expanding=True)),
        ),
    )
