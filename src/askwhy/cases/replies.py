"""An owner writes to the customer from the case, and the case waits for the customer's answer.

The text goes out on the conversation's own channel (`askwhy.cases.to_customer`) and stays in the
message table; the case's history records who replied, when and on which channel.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.cases import notices
from askwhy.cases.lifecycle import CaseInputError, locked
from askwhy.cases.notices import CaseNotifier
from askwhy.cases.to_customer import ReplyRefused, send_to_customer
from askwhy.domain.cases import CaseEventKind, CaseStatus, InvalidTransition, check_transition
from askwhy.store import cases as store
from askwhy.store.case_tables import Case

__all__ = ["REPLY_LENGTH", "ReplyRefused", "reply"]

REPLY_LENGTH = 2000
"""Longest reply: an SMS of ten segments, a short e-mail; a case is no place for a letter."""


def reply(
    *, session: Session, case_id: str, text: str, actor: str, now: datetime, notifier: CaseNotifier
) -> Case:
    """Send ``text`` to the case's customer; the case waits for the customer's answer."""
    body = _text(text)
    case = locked(session=session, case_id=case_id)
    current = CaseStatus(case.status)
    if not current.is_active:
        raise InvalidTransition(f"status: a {case.status} case cannot reply; reopen it first")
    sent = send_to_customer(session=session, case=case, text=body, now=now)
    if current is not CaseStatus.WAITING_CUSTOMER:
        check_transition(current, CaseStatus.WAITING_CUSTOMER)
        case.status = CaseStatus.WAITING_CUSTOMER.value
    if case.first_response_at is None:
        case.first_response_at = now
    case.updated_at = now
    store.add_event(
        session=session, case_id=case.id, kind=CaseEventKind.REPLY_SENT, actor=actor, at=now,
        details={"seq": sent.seq, "channel": sent.channel, "template": sent.template,
                 "from": current.value, "to": case.status},
    )  # fmt: skip
    notifier.case_event(
        session=session, event=notices.CASE_UPDATED, case=case, happened=CaseEventKind.REPLY_SENT,
        recipients=(),
    )  # fmt: skip
    return case


def _text(text: str) -> str:
    stripped = text.strip()
    if not 1 <= len(stripped) <= REPLY_LENGTH:
        raise CaseInputError(f"text: write 1 to {REPLY_LENGTH} characters")
    return stripped
