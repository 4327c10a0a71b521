"""The customer's messages after the interview ended land in the case, not in a new interview.

A message on an ended conversation that has a case still in someone's hands is written to the
case's history (`customer_replied`, the text stays in the message table) and a case that waited
for the customer is back in progress. A case whose follow-up question waits for its answer reads
the score from the message (`askwhy.interview.scores`, 0-10) and stores it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.cases import follow_up, notices
from askwhy.cases.notices import CaseNotifier
from askwhy.domain.cases import CaseEventKind, CaseStatus
from askwhy.domain.scales import SCALES
from askwhy.interview.scores import read_score
from askwhy.store import cases as store
from askwhy.store.case_tables import Case
from askwhy.store.tables import Message

HEARD = (CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CUSTOMER)


def awaits_customer(*, session: Session, conversation_id: str) -> bool:
    """True when a case of the conversation listens to the customer (in hand, or a follow-up asked)."""
    return _listening(session=session, conversation_id=conversation_id) is not None


def take(*, session: Session, message_id: int, now: datetime, notifier: CaseNotifier) -> Case | None:
    """Hand a customer's message on an ended conversation to its case; None when no case listens."""
    message = session.get(Message, message_id)
    if message is None or message.direction != "in":
        return None
    case = _listening(session=session, conversation_id=message.conversation_id, lock=True)
    if case is None:
        return None
    if _follow_up_pending(case):
        score = read_score(message.text or "", SCALES[follow_up.SCALE]).value
        if score is not None:
            follow_up.record_answer(session=session, case_id=case.id, score=score, now=now)
            return case
    previous = CaseStatus(case.status)
    if previous is CaseStatus.WAITING_CUSTOMER:
        case.status = CaseStatus.IN_PROGRESS.value
    case.updated_at = now
    store.add_event(
        session=session, case_id=case.id, kind=CaseEventKind.CUSTOMER_REPLIED, at=now,
        details={"seq": message.seq, "channel": message.channel, "from": previous.value, "to": case.status},
    )  # fmt: skip
    notifier.case_event(
        session=session, event=notices.CASE_UPDATED, case=case, happened=CaseEventKind.CUSTOMER_REPLIED,
        recipients=_owner(case),
    )  # fmt: skip
    return case


def _listening(*, session: Session, conversation_id: str, lock: bool = False) -> Case | None:
    """The conversation's case that hears the customer: a pending follow-up first (the last thing
    asked), then one in hand."""
    found = store.cases_of_conversation(session=session, conversation_id=conversation_id)
    active = [case for case in found if CaseStatus(case.status) in HEARD]
    pending = [case for case in found if _follow_up_pending(case)]
    listening = pending or active
    if not listening or not lock:
        return listening[0] if listening else None
    chosen = listening[0]
    return store.case(session=session, case_id=chosen.id, lock=True)


def _follow_up_pending(case: Case) -> bool:
    return case.follow_up_asked_at is not None and case.follow_up_answered_at is None


def _owner(case: Case) -> tuple[str, ...]:
    return (case.owner,) if case.owner else ()
