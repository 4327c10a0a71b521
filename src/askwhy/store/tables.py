"""The core tables: contacts, conversations, messages and responses.

Later capabilities add their own tables in their own modules and extend these with migrations.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askwhy.store.base import Base, new_id

RAW_KEPT = text("raw_purged_at IS NULL")
RAW_INBOUND = text("direction = 'in' AND raw_purged_at IS NULL")


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    opted_out_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_program_started", "program", "started_at"),
        # Everything the workspace's funnel counts, so it reads the index alone.
        Index(
            "ix_conversations_program_funnel",
            "program",
            "channel",
            "status",
            "simulated",
            "language",
            "started_at",
            "id",
        ),
        Index("ix_conversations_channel_address", "channel", "channel_address", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    program: Mapped[str] = mapped_column(String(100))
    guide_id: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(8))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    simulated: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime]
    last_activity_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    channel_address: Mapped[str | None] = mapped_column(
        String(320), comment="The customer's address on the channel: E.164 phone or e-mail."
    )
    reply_window_until: Mapped[datetime | None] = mapped_column(
        comment="End of the channel's customer-service window (WhatsApp: last inbound + 24 h)."
    )

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.seq", cascade="all, delete-orphan"
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "provider_message_id"),
        UniqueConstraint("conversation_id", "seq"),
        # Only the customer's messages still raw: the retention sweep's work list, small by design.
        Index("ix_messages_raw_kept", "created_at", sqlite_where=RAW_INBOUND, postgresql_where=RAW_INBOUND),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(comment="Order within the conversation, from 1.")
    direction: Mapped[str] = mapped_column(String(8), comment="in or out")
    channel: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    question: Mapped[str | None] = mapped_column(String(100))
    choices: Mapped[list[Any]] = mapped_column(default=list)
    media_type: Mapped[str | None] = mapped_column(String(100))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(
        String(20), comment="received, pending, sending, sent, delivered, read, played, failed"
    )
    created_at: Mapped[datetime]
    to_address: Mapped[str | None] = mapped_column(String(320), comment="Outbound: where it is sent.")
    idempotency_key: Mapped[str | None] = mapped_column(
        String(64), unique=True, comment="Outbound: stable across retries; providers echo it back."
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        index=True, comment="Outbound: when it is due (pending) or when the send lease ends (sending)."
    )
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    error_code: Mapped[str | None] = mapped_column(String(100))
    error_reason: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(comment="Inbound: when the interviewer took it.")
    payload: Mapped[dict[str, Any]] = mapped_column(
        default=dict, server_default="{}", comment="Template, media ids and other channel details."
    )
    raw_purged_at: Mapped[datetime | None] = mapped_column(
        comment="Inbound: when its text was replaced by the redacted form (raw transcript retention)."
    )

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


WAITING_INBOUND = (Message.direction == "in") & Message.processed_at.is_(None)
# The customers' messages the interviewer has not taken yet: its work list, a handful of rows.
Index(
    "ix_messages_waiting",
    Message.created_at,
    sqlite_where=WAITING_INBOUND,
    postgresql_where=WAITING_INBOUND,
)


class Response(Base):
    """The structured result of a conversation: score, band and answers, kept up to date each turn."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("program", "external_id"),
        Index("ix_responses_program_responded", "program", "responded_at"),
        Index("ix_responses_program_updated", "program", "updated_at"),
        Index(
            "ix_responses_program_metric_id",
            *("program", "metric", "id", "responded_at", "simulated", "channel", "language", "score"),
        ),
        Index("ix_responses_raw_kept", "responded_at", sqlite_where=RAW_KEPT, postgresql_where=RAW_KEPT),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), unique=True
    )
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    program: Mapped[str] = mapped_column(String(100))
    guide_id: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    metric: Mapped[str] = mapped_column(String(8))
    score: Mapped[int | None]
    band: Mapped[str] = mapped_column(String(12))
    answers: Mapped[list[Any]] = mapped_column(default=list)
    comment: Mapped[str] = mapped_column(Text, default="", comment="The customer's own words, joined.")
    source: Mapped[str] = mapped_column(String(20), default="conversation", comment="conversation or import")
    external_id: Mapped[str | None] = mapped_column(String(200), comment="Id in the imported file.")
    language: Mapped[str] = mapped_column(String(8))
    completion: Mapped[str] = mapped_column(String(20), comment="completed, partial, abandoned, opted_out")
    close_the_loop: Mapped[bool | None]
    simulated: Mapped[bool] = mapped_column(default=False)
    segment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    responded_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(index=True)
    raw_purged_at: Mapped[datetime | None] = mapped_column(
        comment="When comment and answers were replaced by their redacted form (raw transcript retention)."
    )
