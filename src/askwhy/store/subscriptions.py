"""Outbound webhook subscriptions: stored with their secret, found by event and program."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from askwhy.store.notification_tables import WebhookSubscription


def add_subscription(
    *, session: Session, url: str, events: list[str], program: str | None, secret: str, now: datetime
) -> WebhookSubscription:
    row = WebhookSubscription(url=url, events=events, program=program, secret=secret, created_at=now)
    session.add(row)
    session.flush()
    return row


def list_subscriptions(*, session: Session) -> Sequence[WebhookSubscription]:
    query = select(WebhookSubscription).order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    return session.scalars(query).all()


def subscription(*, session: Session, subscription_id: str) -> WebhookSubscription | None:
    return session.get(WebhookSubscription, subscription_id)


def subscriptions_for(*, session: Session, event: str, program: str | None) -> list[WebhookSubscription]:
    """The subscriptions that want ``event`` of ``program`` (the event list is JSON: filtered here)."""
    query = select(WebhookSubscription).where(
        or_(WebhookSubscription.program.is_(None), WebhookSubscription.program == program)
    )
    return [row for row in session.scalars(query) if event in (row.events or [])]


def remove_subscription(*, session: Session, subscription_id: str) -> bool:
    done = session.execute(delete(WebhookSubscription).where(WebhookSubscription.id == subscription_id))
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def is_wanted(*, session: Session, event: str) -> bool:
    """Whether any subscription wants ``event`` (of any program)."""
    return any(event in (row.events or []) for row in list_subscriptions(session=session))
