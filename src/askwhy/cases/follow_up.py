"""Did we fix it? One short question after a case is resolved, and the recovered share.

When a case is resolved the customer is to be asked "Is this sorted for you now? 0-10". The
question is recorded on the case (sending it on the conversation's channel belongs to the
conversation's outbox, which a case does not reach yet). The answer, however it arrives, is stored
with `record_answer`; a detractor whose answer is passive or promoter counts as recovered. The
follow-up score never enters the program's NPS, CSAT or CES: it answers another question.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.domain.cases import CaseEventKind, recovered
from askwhy.domain.scales import Band, Metric, band_for
from askwhy.store import cases as store
from askwhy.store.case_tables import Case

QUESTION = {
    "en": "Is this sorted for you now? 0 means not at all, 10 completely.",
    "es": "¿Está resuelto ahora? 0 es nada, 10 completamente.",
}
SCALE = Metric.NPS
"""The follow-up is asked on 0-10 and banded like NPS, whatever the program's own metric."""


class FollowUpRefused(ValueError):
    """A follow-up answer a case cannot take; the message names the field."""


def ask(*, session: Session, case: Case, now: datetime) -> None:
    """Record that the customer is to be asked the follow-up question (once per case)."""
    if case.follow_up_asked_at is not None:
        return
    case.follow_up_asked_at = now
    # TODO: queue QUESTION on the conversation's channel once cases can write to the outbox.
    store.add_event(
        session=session, case_id=case.id, kind=CaseEventKind.FOLLOW_UP_ASKED, at=now,
        details={"question": QUESTION["en"]},
    )  # fmt: skip


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
