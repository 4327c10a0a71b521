"""How a case's people and subscribed systems hear of it: a small port, and an in-memory fake.

The owner is told of a new or reassigned case, the lead of an escalation, and subscribed systems of
``case.opened``, ``case.updated`` and ``case.resolved``. Delivery belongs to the notification
outbox; a use case only records what is to be said, inside its own transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from askwhy.store.case_tables import Case

log = logging.getLogger(__name__)

CASE_OPENED = "case.opened"
CASE_UPDATED = "case.updated"
CASE_RESOLVED = "case.resolved"


class CaseNotifier(Protocol):
    def case_event(self, *, session: Session, event: str, case: Case, recipients: tuple[str, ...]) -> None:
        """Record that ``recipients`` (e-mails) and subscribers are to hear of ``event`` on ``case``."""


@dataclass(frozen=True)
class Notice:
    event: str
    case_id: str
    recipients: tuple[str, ...]


@dataclass
class RecordingNotifier:
    """Keeps every notice in memory, for tests and the demo."""

    notices: list[Notice] = field(default_factory=list)

    def case_event(self, *, session: Session, event: str, case: Case, recipients: tuple[str, ...]) -> None:
        self.notices.append(Notice(event=event, case_id=case.id, recipients=recipients))

    def to(self, recipient: str) -> list[Notice]:
        return [notice for notice in self.notices if recipient in notice.recipients]


class LoggedNotifier:
    """Writes each notice to the log (case id, event and how many people), where no destination is set."""

    def case_event(self, *, session: Session, event: str, case: Case, recipients: tuple[str, ...]) -> None:
        log.info("%s: case=%s program=%s recipients=%d", event, case.id, case.program, len(recipients))
