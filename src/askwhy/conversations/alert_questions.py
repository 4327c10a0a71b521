"""Open alerts that ask later customers about their theme, and the answers that feed back into them.

A program that opts in (``alerts: {ask_about_open_alerts: true, max_answers: 50}`` in its YAML)
lets each open rising-theme alert add one question to later conversations
(`askwhy.interview.alert_probe` decides where it fits). This module picks the alert for a turn —
the oldest one not resolved whose segment covers the customer and that has fewer than
``max_answers`` answers — and keeps the customer's answer, redacted, with the alert.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from askwhy.analysis.redaction import redact
from askwhy.domain.conversation import InterviewState
from askwhy.interview import alert_probe
from askwhy.interview.alert_probe import ExtraProbe
from askwhy.interview.optout import is_opt_out
from askwhy.interview.replies import read_yes_no
from askwhy.programs import catalog
from askwhy.store import alerts as queries
from askwhy.store.alerts import AskableAlert

MAX_ANSWER_CHARS = 1000


def probe_for(
    *,
    session: Session,
    program: str,
    segment_of: Callable[[], Mapping[str, Any]],
    state: InterviewState,
) -> ExtraProbe | None:
    """The question an open alert adds to this conversation's next turn, if any.

    Nothing is read once the conversation asked an alert's question; otherwise the program's
    alerts first (usually none), then the program's choice and the customer's segment
    (``segment_of``) only when there is one to ask about. Reads never flush the caller's writes.
    """
    if alert_probe.asked(state) or not state.status.is_open:
        return None
    with session.no_autoflush:
        candidates = askable_alerts_read_once_a_transaction(session=session, program=program)
        if not candidates:
            return None
        chosen = catalog.program(session=session, program_id=program)
        if chosen is None or not chosen.alerts.ask_about_open_alerts:
            return None
        segment = segment_of()
    for alert in candidates:
        if alert.answers < chosen.alerts.max_answers and covers(alert.segment, segment):
            return ExtraProbe(alert_id=alert.alert_id, label=alert.label)
    return None


ASKABLE = "askwhy.askable_alerts"
"""``session.info`` key: the askable alerts read in the session's current transaction, by program."""


def askable_alerts_read_once_a_transaction(*, session: Session, program: str) -> list[AskableAlert]:
    """`alerts_to_ask_about`, read once per program in a transaction that takes many turns (a
    batch of waiting conversations): the same statement for every turn cost each WhatsApp message
    one more query. An answer kept in the transaction forgets what was read (`record_answer`),
    so the answer counts stay exact."""
    transaction = session.get_transaction()
    kept = session.info.get(ASKABLE)
    if kept is None or kept[0] is not transaction:
        kept = session.info[ASKABLE] = (transaction, {})
    by_program: dict[str, list[AskableAlert]] = kept[1]
    if program not in by_program:
        by_program[program] = queries.alerts_to_ask_about(session=session, program=program)
    return by_program[program]


def covers(alert_segment: Mapping[str, Any], customer_segment: Mapping[str, Any]) -> bool:
    """True when the customer is in the alert's segment (every name=value of it); an alert on the
    whole program covers everyone."""
    return all(str(customer_segment.get(name, "")) == str(value) for name, value in alert_segment.items())


def record_answer(
    *,
    session: Session,
    before: InterviewState,
    conversation_id: str,
    text: str,
    now: datetime,
) -> bool:
    """Keep ``text`` with the alert when it answers that alert's question (``before`` is the state
    the reply was taken in); returns whether an answer was kept."""
    alert_id = alert_probe.answered_alert(before)
    if alert_id is None or not text.strip() or is_opt_out(text):
        return False  # an opt-out is not an answer, and its words are not kept
    session.info.pop(ASKABLE, None)  # the answer counts change
    return queries.add_answer(
        session=session,
        alert_id=alert_id,
        conversation_id=conversation_id,
        text=redact(text[:MAX_ANSWER_CHARS]).text,
        affected=read_yes_no(text),
        language=before.language,
        now=now,
    )
