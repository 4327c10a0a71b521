"""Close-the-loop cases, their full history, and each team's turn in the round-robin.

A case keeps what a person needs to act without opening five pages (program, customer, why it
opened, themes, score) and its deadlines, computed once at opening from the team's SLA. The
history is append-only: every assignment, status change, note and escalation with who and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from askwhy.store.base import Base, new_id


class Case(Base):
    """One promise of follow-up: an owner, a status and deadlines in business hours."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("conversation_id", "reason"),
        Index("ix_cases_program_status", "program", "status"),
        Index("ix_cases_team_status", "team", "status"),
        Index("ix_cases_status_due", "status", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    program: Mapped[str] = mapped_column(String(100))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    response_id: Mapped[str | None] = mapped_column(
        ForeignKey("responses.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20), comment="accepted_contact, help_request or rule")
    do_not_contact: Mapped[bool] = mapped_column(
        default=False,
        server_default=false(),
        comment="The customer refused contact in the conversation: askwhy never writes to them.",
    )
    themes: Mapped[list[Any]] = mapped_column(default=list)
    score: Mapped[int | None]
    band: Mapped[str] = mapped_column(String(12))
    priority: Mapped[str] = mapped_column(String(10))
    team: Mapped[str | None] = mapped_column(String(100))
    owner: Mapped[str | None] = mapped_column(String(320), comment="The owner's e-mail.")
    status: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[datetime]
    first_response_due_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None] = mapped_column(comment="Resolution deadline, in business hours.")
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    follow_up_asked_at: Mapped[datetime | None]
    follow_up_score: Mapped[int | None]
    follow_up_answered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class CaseEvent(Base):
    """One entry of a case's history; ``actor`` is a person's e-mail, an API key, or None for askwhy."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str | None] = mapped_column(String(320))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


class TeamTurn(Base):
    """Whose turn it is in a team's round-robin: the number of cases the team has been given."""

    __tablename__ = "case_team_turns"

    program: Mapped[str] = mapped_column(String(100), primary_key=True)
    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    given: Mapped[int] = mapped_column(Integer, default=0)
