"""The transactional outbox: every pending outbound message is queued for delivery once committed.

Use cases only write messages (status ``pending``, due at ``next_attempt_at``) in the transaction
that decided them; this hook hands each new one to the queue after that transaction commits, so
a rollback sends nothing and a crash after the commit loses nothing (the periodic sweep finds it).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from askwhy.clock import Clock
from askwhy.outbox.reply_window import DUE_AGAIN
from askwhy.queue.jobs import Jobs
from askwhy.store.database import on_commit
from askwhy.store.tables import Message


def watch_outbox(*, sessions: sessionmaker[Session], jobs: Jobs, clock: Clock) -> None:
    """Enqueue ``deliver_message`` for each pending outbound message written through ``sessions``."""

    def collect(session: Session, _context: Any) -> None:
        for row in session.new:
            if isinstance(row, Message) and row.direction == "out" and row.status == "pending":
                on_commit(session, _deliver_later(jobs, clock, row))
        for message_id in session.info.pop(DUE_AGAIN, ()):  # sent once, due again (reply_window)
            on_commit(session, functools.partial(jobs.enqueue, "deliver_message", message_id))

    event.listen(sessions, "after_flush", collect)


def _deliver_later(jobs: Jobs, clock: Clock, row: Message) -> Any:
    message_id, due = row.id, row.next_attempt_at
    # An invitation that may expire is checked one by one (`askwhy.outbox.delivery.claim_message`).
    batched = "expires_at" not in (row.payload or {})

    def enqueue() -> None:
        delay = (due - clock.now()).total_seconds() if due else 0.0
        if delay <= 0 and batched:
            jobs.nudge("deliver_due_now")  # one waiting run sends every message due by then
        else:
            jobs.enqueue_in(delay, "deliver_message", message_id)

    return enqueue
