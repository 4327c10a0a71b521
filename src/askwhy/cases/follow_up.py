"""Did we fix it? One short question after a case is resolved, and the recovered share.

When a case is resolved the customer is asked "Is this sorted for you now? 0-10" in the
conversation's language, on its channel (`askwhy.cases.to_customer`), once, if the program still
stands behind cases (a team with an SLA) and the customer may be written to. askwhy writes first
here, so the program's quiet hours hold the message back in the customer's time zone. The answer,
however it arrives (`askwhy.cases.customer_replies` reads it from the customer's next message), is
stored with `record_answer`; a detractor whose answer is passive or promoter counts as recovered.
The follow-up score never enters the program's NPS, CSAT or CES: it answers another question.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.cases.to_customer import ReplyRefused, send_to_customer
from askwhy.domain.cases import CaseEventKind, recovered
from askwhy.domain.channels import INLINE
from askwhy.domain.contact_policy import next_allowed_time
from askwhy.domain.conversation import Channel
from askwhy.domain.scales import Band, Metric, band_for
from askwhy.programs import catalog
from askwhy.store import cases as store
from askwhy.store.case_tables import Case
from askwhy.store.tables import Contact, Conversation

QUESTION = {
    "en": "Is this sorted for you now? 0 means not at all, 10 completely.",
    "es": "¿Está resuelto ahora? 0 es nada, 10 completamente.",
}
SCALE = Metric.NPS
"""The follow-up is asked on 0-10 and banded like NPS, whatever the program's own metric."""


class FollowUpRefused(ValueError):
    """A follow-up answer a case cannot take; the message names the field."""


def ask(*, session: Session, case: Case, now: datetime) -> None:
    """Ask the customer the follow-up question (once per case), when the program and consent allow."""
    if case.follow_up_asked_at is not None:
        return
    conversation = store.conversation(session=session, conversation_id=case.conversation_id or "")
    language = conversation.language if conversation is not None else "en"
    question = QUESTION.get(language or "en", QUESTION["en"])
    details: dict[str, object] = {"question": question}
    why_not = _why_not_sent(session=session, case=case, conversation=conversation)
    if why_not is None and conversation is not None:
        try:
            sent = send_to_customer(
                session=session, case=case, text=question, now=now, due=_due(session, conversation, now)
            )
        except ReplyRefused as refused:
            why_not = str(refused)
        else:
            details.update(sent=True, seq=sent.seq, channel=sent.channel, template=sent.template)
    if why_not is not None:
        details.update(sent=False, not_sent=why_not)
    case.follow_up_asked_at = now
    store.add_event(
        session=session, case_id=case.id, kind=CaseEventKind.FOLLOW_UP_ASKED, at=now, details=details
    )


def _why_not_sent(*, session: Session, case: Case, conversation: Conversation | None) -> str | None:
    if conversation is None:
        return "conversation: erased"
    program = catalog.program(session=session, program_id=case.program)
    if program is None or not program.follows_up:
        return f"program: {case.program} has no team with an SLA behind its cases"
    return None


def _due(session: Session, conversation: Conversation, now: datetime) -> datetime:
    """Now, or the end of the customer's quiet hours: askwhy writes first."""
    if Channel(conversation.channel) in INLINE and conversation.channel_address is None:
        return now  # the web chat shows it when the customer comes back: nothing is sent
    program = catalog.program(session=session, program_id=conversation.program)
    if program is None:
        return now
    contact = session.get(Contact, conversation.contact_id) if conversation.contact_id else None
    return next_allowed_time(now, program.quiet_hours, contact.time_zone if contact else None)


def record_answer(
    *, session: Session, case_id: str, score: int, now: datetime, actor: str | None = None
) -> Case:
    """Store the customer's follow-up score (0-10) on the case, once the question was asked."""
    if not 0 <= score <= 10:
        raise FollowUpRefused("score: a follow-up score is 0 to 10")
    case = store.case(session=session, case_id=case_id, lock=True)
    if case is None:
        raise LookupError(case_id)
    if case.follow_up_asked_at is None:
        raise FollowUpRefused("score: this case has not asked its follow-up question (resolve it first)")
    case.follow_up_score, case.follow_up_answered_at, case.updated_at = score, now, now
    band = band_for(SCALE, score)
    store.add_event(
        session=session, case_id=case.id, kind=CaseEventKind.FOLLOW_UP_ANSWERED, actor=actor, at=now,
        details={"score": score, "band": band.value, "recovered": is_recovered(case)},
    )  # fmt: skip
    return case


def is_recovered(case: Case) -> bool:
    """A detractor's case whose follow-up answer is passive or promoter."""
    if case.follow_up_score is None:
        return False
    return recovered(Band(case.band), band_for(SCALE, case.follow_up_score))


def recovered_share(cases: Iterable[Case]) -> tuple[float | None, int]:
    """Share of detractors' answered follow-ups that moved to passive or promoter, and how many."""
    answered = [c for c in cases if c.band == Band.DETRACTOR.value and c.follow_up_score is not None]
    if not answered:
        return None, 0
    return sum(is_recovered(c) for c in answered) / len(answered), len(answered)
