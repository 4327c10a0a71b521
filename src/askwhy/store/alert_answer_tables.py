"""Customers' answers to an open alert's targeted question, kept with the alert they feed back into.

One answer per alert and conversation. The text is stored redacted; deleting the conversation (a
customer's erasure) deletes the answer with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from askwhy.store.base import Base


class AlertAnswer(Base):
    """What one customer said when asked about an alert's theme."""

    __tablename__ = "alert_answers"
    __table_args__ = (UniqueConstraint("alert_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text, comment="The customer's answer, redacted.")
    affected: Mapped[bool | None] = mapped_column(
        comment="Yes or no when the answer says so; NULL otherwise."
    )
    language: Mapped[str] = mapped_column(String(8))
    answered_at: Mapped[datetime]
