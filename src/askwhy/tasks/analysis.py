"""Analysis tasks: enrich the responses of closed conversations in batches, and sweep up the rest.

A transaction that closes conversations nudges one run of `ANALYSE_CLOSED` (`Jobs.nudge`), which
takes every closed response still pending, batch after batch: the model runs once per batch and
each batch is stored in one short transaction, so a burst of closes costs a few runs, not one each.
Runs start at most once per `CLOSED_SPACING`, so that a steady stream of closes is analysed in
batches of that many seconds' closes rather than one run per close.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from askwhy.conversations import RESPONSES_CLOSED
from askwhy.insights import analyse_responses
from askwhy.privacy import retention
from askwhy.queue.jobs import Queue
from askwhy.store import day_recount
from askwhy.tasks.alerts import DETECT_EMERGING

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.queue.jobs import Jobs

log = logging.getLogger(__name__)

ANALYSE_RESPONSE = "analyse_response"
"""One response per run: no longer enqueued, kept for runs queued by earlier versions."""
ANALYSE_CLOSED = "analyse_closed"
SETTLE_DAY_TALLIES = "settle_day_tallies"
CLOSED_BATCH = 64
"""Responses per batch of closed conversations (at most ``analysis_batch_size``). Three short
answers make about five sentences, so 64 responses embed ~300 sentences in well under a second:
past 32 the CPU per response hardly falls, while the writing transaction and the wait for the
first results grow with the batch."""
CLOSED_SPACING = 2.0
"""Least seconds between the starts of two nudged runs of `ANALYSE_CLOSED`. Each batch costs a fixed
7-22 ms of CPU (finding the pending responses, reading them, the guides' codebook and the theme
centres, a writing transaction that waits for its turn) beside 0.3-6 ms a response (the model's
share): a run per close spends most of its time on that fixed part. Alone, a close is analysed
at once; in a stream, a run takes the closes of two seconds at a time, which a closed
conversation, analysed "within seconds", can spare."""
UNAVAILABLE = (OperationalError, sqlite3.OperationalError)
"""The database busy or gone: no response is to blame, so the run fails and is retried whole."""


class Claims:
    """The responses this process's runs are analysing, and those that failed on their own.

    Two runs can overlap (one running, one nudged since), so each claims its batch and the other
    does not run the model on the same texts. A response that failed alone is left to the sweep,
    so that it does not send every later batch down the one-by-one path.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: set[str] = set()
        self.failed: set[str] = set()

    @contextmanager
    def claim(
        self, find: Callable[[Collection[str]], list[str]], *, retry: bool = False
    ) -> Iterator[list[str]]:
        """The ids ``find`` returns, given those to leave out (busy ones, and failed ones unless
        ``retry``), held until the block ends."""
        with self._lock:
            ids = find(self._busy if retry else self._busy | self.failed)
            self._busy.update(ids)
        try:
            yield ids
        finally:
            with self._lock:
                self._busy.difference_update(ids)


def register(jobs: Jobs, container: Container) -> None:
    claims = Claims()

    @jobs.task(ANALYSE_RESPONSE, queue=Queue.ANALYSIS, retries=3, retry_delay=10)
    def analyse_response(response_id: str) -> int:
        jobs.nudge(ANALYSE_CLOSED)  # the batched run takes this response with the others
        return 0

    # A failure of the database itself (busy past its timeout) fails the run, which is retried.
    @jobs.task(ANALYSE_CLOSED, queue=Queue.ANALYSIS, spacing=CLOSED_SPACING, retries=3, retry_delay=5)
    def analyse_closed() -> int:
        jobs.nudge_taken(ANALYSE_CLOSED)
        return analyse_all(container, claims=claims)

    @jobs.periodic(
        "enrich_pending_responses",
        queue=Queue.ANALYSIS,
        minute=f"*/{container.settings.analysis_sweep_minutes}",
    )
    def enrich_pending_responses() -> int:
        jobs.nudge_taken(ANALYSE_CLOSED)  # the sweep takes closed conversations too
        return sweep(container, claims=claims)

    # Writes only mark the day cells they change; the tallies are counted again here, once a minute,
    # so that no turn waits for a count (reads count the cells still marked: `store.day_tallies`).
    @jobs.periodic(SETTLE_DAY_TALLIES, queue=Queue.ANALYSIS, minute="*")
    def settle_day_tallies() -> int:
        return day_recount.settle_everything(sessions=container.sessions)

    def nudge_closed(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released, not the transaction committed
        if session.info.pop(RESPONSES_CLOSED, None):
            jobs.nudge(ANALYSE_CLOSED)

    def forget_closed(session: Session, _previous: object) -> None:
        if not session.in_transaction():
            session.info.pop(RESPONSES_CLOSED, None)

    event.listen(container.sessions, "after_commit", nudge_closed)
    event.listen(container.sessions, "after_soft_rollback", forget_closed)


def analyse_all(container: Container, *, claims: Claims) -> int:
    """Analyse closed conversations' pending responses batch after batch; returns how many were taken."""
    batch = batch_size(container)
    return container.jobs.drain(
        ANALYSE_CLOSED, lambda: analyse_batch(container, claims=claims, batch=batch), full=batch
    )


def batch_size(container: Container) -> int:
    return min(CLOSED_BATCH, container.settings.analysis_batch_size)


def analyse_batch(
    container: Container,
    *,
    claims: Claims,
    batch: int,
    everything: bool = False,
    only: Sequence[str] | None = None,
) -> int:
    """Enrich up to ``batch`` pending responses (closed conversations', or ``everything``'s, or
    those of ``only`` even if they failed before); returns how many were taken."""

    def find(skip: Collection[str]) -> list[str]:
        with container.reads.begin() as session:
            return analyse_responses.pending_responses(
                session=session, limit=batch, only=only, skip=sorted(skip), conversations_only=not everything
            )

    with claims.claim(find, retry=only is not None) as ids:
        if ids:
            _enrich_or_one_by_one(container, claims=claims, ids=ids)
    return len(ids)


def _enrich_or_one_by_one(container: Container, *, claims: Claims, ids: list[str]) -> None:
    """Enrich the batch; should it fail, enrich its responses one at a time, so only the failing
    ones stay pending (the sweep tries them again)."""
    if len(ids) > 1:
        try:
            enrich(container, ids)
        except UNAVAILABLE:
            raise
        except Exception:
            log.warning("a batch of %d responses failed; analysing them one by one", len(ids))
        else:
            claims.failed.difference_update(ids)
            return
    for response_id in ids:
        try:
            enrich(container, [response_id])
        except UNAVAILABLE:
            raise
        except Exception:
            log.exception("response %s could not be analysed; the sweep will try again", response_id)
            claims.failed.add(response_id)
        else:
            claims.failed.discard(response_id)


def enrich(container: Container, response_ids: Sequence[str]) -> int:
    """Enrich these responses if still pending, purging their raw words in the same transaction
    when none are kept, then nudges detection (`askwhy.tasks.alerts`); returns the sentence count."""
    sentences = analyse_responses.enrich_responses(
        sessions=container.sessions,
        reads=container.reads,
        enricher=container.enricher,
        response_ids=response_ids,
        rule=container.assignment_rule,
        now=container.clock.now(),
        after_store=_purge_now(container) if container.settings.raw_transcript_retention_days == 0 else None,
    )
    if container.jobs.has(DETECT_EMERGING):
        container.jobs.nudge(DETECT_EMERGING)  # an alert within seconds of the response that crosses
    return sentences


def analyse(container: Container, response_id: str) -> int:
    """Enrich one response and match its sentences to the codebook; returns its sentence count."""
    return enrich(container, [response_id])


def _purge_now(container: Container) -> Callable[[Session, list[str]], None]:
    """Keeping none: the raw words go in the transaction that stores their redacted form."""

    def purge(session: Session, stored: list[str]) -> None:
        while True:
            done = retention.purge_raw_transcripts(
                session=session,
                now=container.clock.now(),
                retention_days=0,
                region=container.settings.redaction_region,
                only=stored,
                limit=PURGE_LIMIT,
            )
            if done.responses < PURGE_LIMIT and done.messages < PURGE_LIMIT:
                return

    return purge


PURGE_LIMIT = 500
"""Rows purged per statement; a batch of conversations can hold more messages than that."""


def sweep(container: Container, *, claims: Claims | None = None) -> int:
    """Enrich every response still waiting (a crash or an import without enrichment left them),
    then try again, one at a time, those that failed alone; returns how many were taken."""
    claims = claims or Claims()
    batch = container.settings.analysis_batch_size
    done = 0
    while (taken := analyse_batch(container, claims=claims, batch=batch, everything=True)) > 0:
        done += taken
        if taken < batch:
            break
    for response_id in sorted(claims.failed):
        taken = analyse_batch(container, claims=claims, batch=1, everything=True, only=[response_id])
        if not taken:
            claims.failed.discard(response_id)  # enriched elsewhere, or gone
        done += taken
    if done:
        log.info("enriched %d responses", done)
    return done
