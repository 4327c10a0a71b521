"""Cases told to the systems that subscribed: ``case.opened``, ``case.updated``, ``case.resolved``
through the notification outbox, written in the transaction that changes the case, so a rollback
sends nothing and a crash after the commit loses nothing.

The payload carries ids, the case's facts and its people (the team's e-mails), never the customer's
words or contact details; ``do_not_contact`` tells a help desk that the customer refused contact.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from askwhy.store import outbound_events
from askwhy.store.case_tables import Case


def record(*, session: Session, event: str, case: Case) -> list[str]:
    """A notification of ``event`` for each subscription wanting it; the notifications' ids."""
    subject = case.id if event == "case.opened" else f"{case.id}:{case.updated_at.isoformat()}"
    return outbound_events.record_event(
        session=session, event=event, program=case.program, subject_id=subject, data=payload(case),
        now=case.updated_at,
    )  # fmt: skip


def payload(case: Case) -> dict[str, Any]:
    """What a help desk needs to mirror the case."""
    when = {
        name: value.isoformat() if (value := getattr(case, name)) is not None else None
        for name in ("opened_at", "first_response_due_at", "due_at", "first_response_at", "resolved_at",
                     "closed_at", "escalated_at")
    }  # fmt: skip
    return {
        "case_id": case.id, "program": case.program, "conversation_id": case.conversation_id,
        "response_id": case.response_id, "channel": case.channel, "reason": case.reason,
        "themes": list(case.themes), "score": case.score, "band": case.band, "priority": case.priority,
        "team": case.team, "owner": case.owner, "status": case.status,
        "do_not_contact": case.do_not_contact, **when,
    }  # fmt: skip
