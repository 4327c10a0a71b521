"""What customers said when an open alert asked them about its theme, read back with the alert.

The question is asked and its answers kept by the conversations (`askwhy.conversations.
alert_questions`); the alert's API and CLI show them here: how many answered, how many said it
affected them, and the latest answers (redacted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.store import alerts as queries


@dataclass(frozen=True)
class ProbeAnswer:
    text: str
    affected: bool | None
    language: str
    answered_at: datetime


@dataclass(frozen=True)
class ProbeAnswers:
    """The answers an alert's question gathered: the count, those who said yes, the latest ones."""

    count: int
    affected: int
    latest: tuple[ProbeAnswer, ...]


def answers_to(*, session: Session, alert_id: str, latest: int = 20) -> ProbeAnswers:
    """The answers to this alert's question (none when it never asked)."""
    count, affected, rows = queries.answers_to(session=session, alert_id=alert_id, limit=latest)
    return ProbeAnswers(
        count=count,
        affected=affected,
        latest=tuple(ProbeAnswer(r.text, r.affected, r.language, r.answered_at) for r in rows),
    )
