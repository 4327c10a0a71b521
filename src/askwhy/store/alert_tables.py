"""The alert tables: one row per episode of an emerging issue, and the marks detection keeps.

Detection writes the rows; routing (`askwhy.alerts.routing`) reads those it has not routed yet and
marks them. At most one episode of a subject is in progress per program and segment: a partial
unique index over the rows not resolved holds that even when two detection runs overlap.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from askwhy.store.base import Base, new_id

IN_PROGRESS = text("state != 'resolved'")
NOT_ROUTED = text("routed_at IS NULL")


class AlertRow(Base):
    """One episode: what moved (evidence), its state, and whether routing has sent it on."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_episode_in_progress",
            "program",
            "kind",
            "subject",
            "segment_key",
            unique=True,
            sqlite_where=IN_PROGRESS,
            postgresql_where=IN_PROGRESS,
        ),
        Index("ix_alerts_program_opened", "program", "opened_at"),
        # Routing's work list: the few alerts not sent on yet.
        Index("ix_alerts_not_routed", "opened_at", sqlite_where=NOT_ROUTED, postgresql_where=NOT_ROUTED),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    program: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), comment="rising_theme, new_theme or metric_drop")
    subject: Mapped[str] = mapped_column(String(100), comment="Theme id, proposed theme id or metric name.")
    label: Mapped[str] = mapped_column(String(200))
    segment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    segment_key: Mapped[str] = mapped_column(
        String(500), default="", comment="The segment as sorted name=value pairs; empty for the program."
    )
    severity: Mapped[str] = mapped_column(String(10), comment="low, medium or high")
    state: Mapped[str] = mapped_column(
        String(15), index=True, comment="open, acknowledged, snoozed, resolved"
    )
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    snoozed_until: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="The Evidence, as JSON.")
    routed_at: Mapped[datetime | None] = mapped_column(
        comment="Set by routing (askwhy.alerts.routing) once sent on; detection leaves it NULL."
    )
    resolved_notified_at: Mapped[datetime | None] = mapped_column(
        comment="Set by routing once the resolution is sent on; NULL until then."
    )
    note: Mapped[str] = mapped_column(Text, default="", comment="Why it was acknowledged or resolved.")


class DetectionMark(Base):
    """A number detection remembers between runs, e.g. the unassigned pool's size at the last discovery."""

    __tablename__ = "detection_marks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int]
    updated_at: Mapped[datetime]
