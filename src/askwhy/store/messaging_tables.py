"""Messaging tables: every delivery status a provider reported, and customers' consents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from askwhy.store.base import Base


class DeliveryEvent(Base):
    """One status event from a provider, kept as received, known status or not.

    ``message_id`` is set once the event is matched to an outbound message; an event that arrives
    before the send result is recorded waits unmatched and is reconciled when that result lands.
    """

    __tablename__ = "delivery_events"
    __table_args__ = (Index("ix_delivery_events_channel_provider", "channel", "provider_message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(20))
    provider_message_id: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(40), comment="As the provider said it, lower-cased.")
    at: Mapped[datetime]
    error_code: Mapped[str | None] = mapped_column(String(100))
    error_reason: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime]


class Consent(Base):
    """A customer's consent to be contacted on a channel, granted or revoked, with when and how."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_contact_channel_at", "contact_id", "channel", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20), comment="A channel, or * for every channel.")
    granted: Mapped[bool]
    at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(100), comment="api, reply:sms (STOP/START), import…")
    recorded_at: Mapped[datetime]
