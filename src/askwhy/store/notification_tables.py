"""Where alerts and events go: destinations, alert rules, webhook subscriptions, and the
notification outbox that delivers to them.

A notification is created in the same transaction as the fact it reports (an alert routed, a
response completed), with a unique idempotency key (what, to whom, which event), so it is created
once; the worker delivers it, retries it with backoff and dead-letters it after the last attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from askwhy.store.base import Base, new_id


class Destination(Base):
    """A place a team reads alerts: a Slack or Teams channel, a mailbox, a signed webhook."""

    __tablename__ = "alert_destinations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), comment="slack, teams, email or webhook")
    target: Mapped[str] = mapped_column(
        Text, comment="Webhook URL or e-mail address; 'env:NAME' reads it from the environment."
    )
    secret: Mapped[str | None] = mapped_column(
        Text, comment="A webhook's whsec_ signing secret, or 'env:NAME'. Never shown after creation."
    )
    created_at: Mapped[datetime]


class AlertRule(Base):
    """Which of a program's alerts go to which destinations, and the digests they get."""

    __tablename__ = "alert_rules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    program: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kinds: Mapped[list[Any]] = mapped_column(default=list, comment="Alert kinds; empty: every kind.")
    subjects: Mapped[list[Any]] = mapped_column(
        default=list, comment="Theme ids or metric names; empty: every subject."
    )
    segment: Mapped[dict[str, Any]] = mapped_column(
        default=dict, comment="Segment values an alert must carry; empty: any segment or none."
    )
    min_severity: Mapped[str] = mapped_column(String(10), default="low")
    destinations: Mapped[list[Any]] = mapped_column(default=list, comment="Destination names.")
    digests: Mapped[list[Any]] = mapped_column(default=list, comment="'daily' and/or 'weekly'.")
    created_at: Mapped[datetime]


class WebhookSubscription(Base):
    """A team's own endpoint for askwhy's events, signed with a secret of its own."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[Any]] = mapped_column(default=list)
    program: Mapped[str | None] = mapped_column(String(100), comment="Only this program's events; NULL: all.")
    secret: Mapped[str] = mapped_column(Text, comment="whsec_ signing secret, shown once at creation.")
    created_at: Mapped[datetime]


class Notification(Base):
    """One message to one destination: rendered once, delivered once, retried until it is dead."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(
        String(300), unique=True, comment="What, to whom, which event: a notification exists once."
    )
    destination_kind: Mapped[str] = mapped_column(String(20))
    destination_id: Mapped[str] = mapped_column(String(32), comment="Destination or subscription id.")
    event: Mapped[str] = mapped_column(String(50), comment="alert.opened, digest.daily, response.completed…")
    alert_id: Mapped[str | None] = mapped_column(String(32), index=True)
    payload: Mapped[str] = mapped_column(Text, comment="The rendered body, exactly as sent.")
    status: Mapped[str] = mapped_column(String(10), default="pending", comment="pending, delivered, dead")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
