"""Answering customers' messages that arrived through webhooks."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from askwhy.conversations import inbound
from askwhy.conversations.webhook_storing import STORE_KEPT, store_kept
from askwhy.queue.linger import Linger
from askwhy.store.database import is_sqlite

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.queue.jobs import Jobs

log = logging.getLogger(__name__)

LINGER_CAP_SECONDS = 0.02
"""The longest a nudged run of the turns, or of storing kept deliveries, waits for more work to join
it (`askwhy.queue.linger`): a small share of the time a customer waits for a reply, whatever the load."""
TURN_TASKS = frozenset({"process_inbound", "answer_waiting_messages"})
"""The tasks that take the interviewer's turns: the nudged run and the minute's sweep."""


def register(jobs: Jobs, container: Container) -> None:
    # Nudged after each webhook that stored messages (`Jobs.nudge`): one run takes everything
    # waiting, so a burst of webhooks costs a few runs, not one each. ``message_id`` is accepted
    # for runs queued by earlier versions, which enqueued one per message.
    # A run first lingers (as long as the last run took, at most LINGER_CAP_SECONDS) before it
    # takes its nudge: the messages stored meanwhile nudge this run, not another, and it answers
    # them together. A transaction that fails (the database busy past its timeout) is retried.
    # Where the database writes one transaction at a time, a process takes one batch at a time.
    cap = LINGER_CAP_SECONDS if not jobs.huey.immediate else 0.0  # inline: there is no later
    single = is_sqlite(container.engine)
    answering, storing = Linger(cap, one_at_a_time=single), Linger(cap, one_at_a_time=single)

    @jobs.task("process_inbound", retries=5, retry_delay=2)
    def process_inbound(message_id: int | None = None) -> int:
        answering.wait()
        jobs.nudge_taken("process_inbound")
        return answering.measure(lambda: answer_all(container))

    # Nudged after each keep in the webhook inbox (`askwhy.service.intake`) where no storer process
    # watches it (PostgreSQL): one run stores all that is kept, lingering first as the turns do.
    # A transaction that fails (the database busy past its timeout) is retried.
    @jobs.task(STORE_KEPT, retries=5, retry_delay=2)
    def store_kept_deliveries() -> int:
        storing.wait()
        jobs.nudge_taken(STORE_KEPT)
        return storing.measure(lambda: store_kept(storing=container.storing, inbox=container.inbox))

    @jobs.periodic("store_kept_deliveries_due", minute="*")
    def store_kept_deliveries_due() -> int:
        # Deliveries whose storing failed come due again; a nudge lost in a crash leaves some kept,
        # and its mark set (a run that died before taking it), which would hold back every later
        # nudge until this sweep: it is cleared here, as the other sweeps clear theirs.
        # A storer at work (the storer process of `askwhy serve`) is left to it, not waited for.
        jobs.nudge_taken(STORE_KEPT)
        return store_kept(storing=container.storing, inbox=container.inbox, wait=False)

    @jobs.periodic("answer_waiting_messages", minute="*")
    def answer_waiting_messages() -> int:
        # The safety net: a nudge lost with its queue (a crash) leaves messages waiting.
        jobs.nudge_taken("process_inbound")
        answered = answer_all(container)
        if answered:
            log.info("answered the waiting messages of %d conversations", answered)
        return answered


def answer_all(container: Container) -> int:
    """Answer batch after batch until one is not full; returns how many conversations were taken."""
    ports = container.answering
    return container.jobs.drain(
        "process_inbound",
        lambda: inbound.answer_waiting(ports=ports),
        full=inbound.BATCH_CONVERSATIONS,
    )
