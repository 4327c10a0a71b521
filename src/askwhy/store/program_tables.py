"""Program tables: programs as synced from YAML, moment events, and every contact decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from askwhy.store.base import Base, new_id


class ProgramRow(Base):
    """A program as last synced from its YAML file (the definition is the validated file)."""

    __tablename__ = "programs"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    guide_id: Mapped[str] = mapped_column(String(100))
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(500), comment="The file it was synced from.")
    checksum: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    synced_at: Mapped[datetime]


class MomentEvent(Base):
    """A key moment in a customer's journey, as posted to the events API."""

    __tablename__ = "moment_events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    external_id: Mapped[str | None] = mapped_column(String(200), index=True, comment="The sender's id.")
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    moment: Mapped[str] = mapped_column(String(100), index=True)
    occurred_at: Mapped[datetime]
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime]


class ContactDecision(Base):
    """Whether a program invited a customer after a moment, and why (kept after erasure, anonymous)."""

    __tablename__ = "contact_decisions"
    __table_args__ = (Index("ix_contact_decisions_contact_decided", "contact_id", "decided_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("moment_events.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    program: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(10), comment="invited, deferred or skipped")
    reason: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(20))
    send_at: Mapped[datetime | None]
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    decided_at: Mapped[datetime]
