"""Overdue cases go to the team's lead, once each.

A case past its resolution deadline and still active is escalated: the lead is told, the history
says so, and ``escalated_at`` keeps it from being escalated again by the next run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from askwhy.cases import notices
from askwhy.cases.notices import CaseNotifier
from askwhy.domain.cases import CaseEventKind
from askwhy.programs import catalog
from askwhy.store import cases as store
from askwhy.store.case_tables import Case


def escalate_overdue(*, sessions: sessionmaker[Session], now: datetime, notifier: CaseNotifier) -> list[str]:
    """Escalate every overdue case not yet escalated; the ids escalated."""
    with sessions.begin() as session:
        escalated = []
        for case in store.overdue(session=session, now=now):
            lead = _lead(session=session, case=case)
            case.escalated_at, case.updated_at = now, now
            store.add_event(
                session=session, case_id=case.id, kind=CaseEventKind.ESCALATED, at=now,
                details={"lead": lead, "due_at": case.due_at.isoformat() if case.due_at else None},
            )  # fmt: skip
            recipients = tuple(person for person in (lead, case.owner) if person)
            notifier.case_event(
                session=session, event=notices.CASE_UPDATED, case=case, happened=CaseEventKind.ESCALATED,
                recipients=recipients,
            )  # fmt: skip
            escalated.append(case.id)
        return escalated


def _lead(*, session: Session, case: Case) -> str | None:
    program = catalog.program(session=session, program_id=case.program)
    team = program.team(case.team) if program is not None and case.team else None
    return team.lead if team is not None else None
