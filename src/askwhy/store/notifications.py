"""The notification outbox's queries: add once, claim when due, record each attempt's outcome."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from askwhy.store.notification_tables import Notification

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


def add_notification(
    *,
    session: Session,
    key: str,
    destination_kind: str,
    destination_id: str,
    event: str,
    payload: str,
    now: datetime,
    alert_id: str | None = None,
) -> Notification | None:
    """A new pending notification, or None when one with this idempotency key exists already."""
    if session.scalar(select(Notification.id).where(Notification.idempotency_key == key)) is not None:
        return None
    row = Notification(
        idempotency_key=key,
        destination_kind=destination_kind,
        destination_id=destination_id,
        event=event,
        alert_id=alert_id,
        payload=payload,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def claim(*, session: Session, notification_id: str, now: datetime, lease: timedelta) -> Notification | None:
    """Take a due notification for one attempt (its next attempt moves past the lease, so no other
    worker takes it meanwhile); None when it is not pending or not due."""
    taken = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == PENDING,
            Notification.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + lease, attempts=Notification.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(Notification, notification_id, populate_existing=True)


def due_ids(*, session: Session, now: datetime, limit: int = 100) -> list[str]:
    """Pending notifications whose next attempt is due (new ones, retries, and leases that lapsed)."""
    query = (
        select(Notification.id)
        .where(Notification.status == PENDING, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def record_delivered(*, session: Session, notification_id: str, now: datetime) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(status=DELIVERED, delivered_at=now, last_error="")
    )


def record_retry(*, session: Session, notification_id: str, reason: str, at: datetime) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(next_attempt_at=at, last_error=reason)
    )


def record_dead(*, session: Session, notification_id: str, reason: str) -> None:
    session.execute(
        update(Notification).where(Notification.id == notification_id).values(status=DEAD, last_error=reason)
    )


def list_notifications(
    *, session: Session, status: str | None = None, alert_id: str | None = None, limit: int = 50
) -> Sequence[Notification]:
    """The newest notifications first, optionally of one status or one alert."""
    query = select(Notification).order_by(Notification.created_at.desc(), Notification.id).limit(limit)
    if status is not None:
        query = query.where(Notification.status == status)
    if alert_id is not None:
        query = query.where(Notification.alert_id == alert_id)
    return session.scalars(query).all()


def revive(*, session: Session, now: datetime, notification_id: str | None = None) -> list[str]:
    """Dead notifications (one, or all) pending again with fresh attempts; their ids."""
    query = select(Notification.id).where(Notification.status == DEAD)
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(status=PENDING, attempts=0, next_attempt_at=now)
        )
    return ids
