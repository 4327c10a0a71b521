"""How a case's people and subscribed systems hear of it: a small port, and an in-memory fake.

The owner is told of a new or reassigned case and of the customer's answers, the lead (and the
owner) of an escalation, and subscribed systems of ``case.opened``, ``case.updated`` and
``case.resolved``. Delivery belongs to the notification outbox; a use case only records what is to
be said, inside its own transaction (`askwhy.cases.outbox_notices` is the product's notifier).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from askwhy.domain.cases import CaseEventKind
from askwhy.store.case_tables import Case

CASE_OPENED = "case.opened"
CASE_UPDATED = "case.updated"
CASE_RESOLVED = "case.resolved"


class CaseNotifier(Protocol):
    def case_event(
        self,
        *,
        session: Session,
        event: str,
        case: Case,
        happened: CaseEventKind,
        recipients: tuple[str, ...],
    ) -> None:
        """Record that subscribers are to hear of ``event`` on ``case``, and ``recipients`` (e-mails,
        none when no person needs telling) of what ``happened``."""


@dataclass(frozen=True)
class Notice:
    event: str
    case_id: str
    recipients: tuple[str, ...]
    happened: CaseEventKind | None = None


@dataclass
class RecordingNotifier:
    """Keeps every notice in memory, for tests and the demo."""

    notices: list[Notice] = field(default_factory=list)

    def case_event(
        self,
        *,
        session: Session,
        event: str,
        case: Case,
        happened: CaseEventKind,
        recipients: tuple[str, ...],
    ) -> None:
        self.notices.append(Notice(event=event, case_id=case.id, recipients=recipients, happened=happened))

    def to(self, recipient: str) -> list[Notice]:
        return [notice for notice in self.notices if recipient in notice.recipients]
