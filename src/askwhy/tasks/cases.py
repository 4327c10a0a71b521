"""Case tasks: open cases for responses just written, sweep for those missed, escalate overdue ones.

A transaction that writes a response a case may follow (closed, or a help request heard) leaves
its id in ``session.info`` (`askwhy.conversations.records.CASE_CANDIDATES`); once it commits,
`OPEN_CASES` checks those responses. A sweep every five minutes checks again every response
written or analysed lately: a rule on a theme can only match once analysis has coded it, and a
lost enqueue must not lose a promise. Escalation runs every five minutes too.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from askwhy.cases import customer_replies
from askwhy.cases.escalation import escalate_overdue
from askwhy.cases.notices import CaseNotifier
from askwhy.cases.opening import CheckReads, open_cases
from askwhy.cases.outbox_notices import OutboxNotifier
from askwhy.conversations.records import CASE_CANDIDATES, CASE_MESSAGES
from askwhy.store import cases as store

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.queue.jobs import Jobs

log = logging.getLogger(__name__)

OPEN_CASES = "open_cases"
OPEN_CASES_SWEEP = "open_cases_sweep"
ESCALATE_CASES = "escalate_overdue_cases"
CUSTOMER_REPLIES = "case_customer_replies"
SWEEP_WINDOW = timedelta(hours=1)
"""How far back the sweep looks: well past the analysis sweep's interval."""


def register(jobs: Jobs, container: Container) -> None:
    notifier: CaseNotifier = OutboxNotifier(base_url=container.settings.public_base_url)

    @jobs.task(OPEN_CASES, retries=3, retry_delay=5)
    def open_for_responses(response_ids: list[str]) -> int:
        return open_for(container, response_ids, notifier=notifier)

    @jobs.task(CUSTOMER_REPLIES, retries=3, retry_delay=5)
    def hand_to_cases(message_ids: list[int]) -> int:
        return hand_messages(container, message_ids, notifier=notifier)

    @jobs.periodic(OPEN_CASES_SWEEP, minute="*/5")
    def open_cases_sweep() -> int:
        return sweep(container, notifier=notifier)

    @jobs.periodic(ESCALATE_CASES, minute="*/5")
    def escalate_cases() -> int:
        return len(escalate(container, notifier=notifier))

    def enqueue_candidates(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released, not the transaction committed
        if ids := session.info.pop(CASE_CANDIDATES, None):
            jobs.enqueue(OPEN_CASES, sorted(ids))
        if messages := session.info.pop(CASE_MESSAGES, None):
            jobs.enqueue(CUSTOMER_REPLIES, sorted(messages))

    def forget_candidates(session: Session, _previous: object) -> None:
        if not session.in_transaction():
            session.info.pop(CASE_CANDIDATES, None)
            session.info.pop(CASE_MESSAGES, None)

    event.listen(container.sessions, "after_commit", enqueue_candidates)
    event.listen(container.sessions, "after_soft_rollback", forget_candidates)


def open_for(container: Container, response_ids: list[str], *, notifier: CaseNotifier) -> int:
    """Open the cases these responses call for, all in one transaction, each response in a
    savepoint of its own; how many opened.

    Most responses call for no case, and a write transaction each cost every closed WhatsApp
    conversation a write turn of its own (on SQLite the one the turns and sends wait for). A case
    another worker opened meanwhile rolls back that response's savepoint only. Each program is read
    once a task, and the responses' cases and coded themes ahead in a statement each
    (`askwhy.cases.opening.CheckReads`): read and validated for every response, they were most of
    a closed WhatsApp conversation's check."""
    opened = 0
    with container.sessions.begin() as session:
        loaded = store.load_for_opening(session=session, response_ids=response_ids)
        reads = CheckReads.ahead(session=session, loaded=loaded)
        for response_id in response_ids:
            try:
                with session.begin_nested():
                    case = open_cases(
                        session=session,
                        response_id=response_id,
                        now=container.clock.now(),
                        notifier=notifier,
                        reads=reads,
                    )
                    opened += case is not None
            except IntegrityError:
                log.info("response %s: its case was opened by another worker", response_id)
        del loaded  # held until the batch ends
    return opened


def hand_messages(container: Container, message_ids: list[int], *, notifier: CaseNotifier) -> int:
    """Hand customers' messages on ended conversations to their cases; how many a case heard."""
    heard = 0
    for message_id in message_ids:
        with container.sessions.begin() as session:
            case = customer_replies.take(
                session=session, message_id=message_id, now=container.clock.now(), notifier=notifier
            )
            heard += case is not None
    return heard


def sweep(container: Container, *, notifier: CaseNotifier) -> int:
    """Check every response written or analysed within `SWEEP_WINDOW`; how many cases opened."""
    since = container.clock.now() - SWEEP_WINDOW
    with container.reads.begin() as session:
        ids = store.changed_responses(session=session, since=since)
    return open_for(container, ids, notifier=notifier)


def escalate(container: Container, *, notifier: CaseNotifier) -> list[str]:
    """Escalate overdue cases to their team's lead; the ids escalated."""
    escalated = escalate_overdue(sessions=container.sessions, now=container.clock.now(), notifier=notifier)
    if escalated:
        log.info("escalated %d overdue cases", len(escalated))
    return escalated
