"""Analysis tasks: enrich a response when its conversation closes, and sweep up any left behind."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.orm import Session

from askwhy import retention
from askwhy.conversations import RESPONSES_CLOSED
from askwhy.insights import enriching
from askwhy.insights.wiring import assignment_rule, enricher
from askwhy.tasks.retention import purge

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.jobs import Jobs

log = logging.getLogger(__name__)

ANALYSE_RESPONSE = "analyse_response"


def register(jobs: Jobs, container: Container) -> None:
    @jobs.task(ANALYSE_RESPONSE, retries=3, retry_delay=10)
    def analyse_response(response_id: str) -> int:
        return analyse(container, response_id)

    @jobs.periodic("enrich_pending_responses", minute=f"*/{container.settings.analysis_sweep_minutes}")
    def enrich_pending_responses() -> int:
        return sweep(container)

    def enqueue_closed(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released, not the transaction committed
        for response_id in sorted(session.info.pop(RESPONSES_CLOSED, ())):
            jobs.enqueue(ANALYSE_RESPONSE, response_id)

    def forget_closed(session: Session, _previous: object) -> None:
        if not session.in_transaction():
            session.info.pop(RESPONSES_CLOSED, None)

    event.listen(container.sessions, "after_commit", enqueue_closed)
    event.listen(container.sessions, "after_soft_rollback", forget_closed)


def analyse(container: Container, response_id: str) -> int:
    """Enrich one response and match its sentences to the codebook; returns its sentence count."""

    def purge_now(session: Session) -> None:
        # Keeping none: the raw words go in the transaction that stores their redacted form.
        retention.purge_raw_transcripts(
            session=session,
            now=container.clock.now(),
            retention_days=0,
            region=container.settings.redaction_region,
            only=[response_id],
        )

    return enriching.enrich_responses(
        sessions=container.sessions,
        enricher=enricher(container),
        response_ids=[response_id],
        rule=assignment_rule(container.settings),
        now=container.clock.now(),
        after_store=purge_now if container.settings.raw_transcript_retention_days == 0 else None,
    )


def sweep(container: Container) -> int:
    """Enrich every response still waiting (a crash or an import without enrichment left them)."""
    with container.sessions.begin() as session:
        if not enriching.pending_responses(session=session, limit=1):
            return 0
    done = enriching.enrich_pending(
        sessions=container.sessions,
        enricher=enricher(container),
        rule=assignment_rule(container.settings),
        now=container.clock.now,
        batch_size=container.settings.analysis_batch_size,
    )
    if done:
        log.info("enriched %d responses", done)
    if done and container.settings.raw_transcript_retention_days == 0:
        purge(container)
    return done
