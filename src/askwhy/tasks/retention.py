"""Raw transcript retention: every hour, customer text past the retention keeps only its redacted form."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from askwhy.privacy import retention
from askwhy.store.dead_letters import purge_dead_letters

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.queue.jobs import Jobs

log = logging.getLogger(__name__)

PURGE_RAW_TRANSCRIPTS = "purge_raw_transcripts"


def register(jobs: Jobs, container: Container) -> None:
    @jobs.periodic(PURGE_RAW_TRANSCRIPTS, minute="41")
    def purge_raw_transcripts() -> int:
        done = purge(container)
        return done.responses + done.messages


def purge(container: Container) -> retention.Purge:
    """Purge every raw transcript past ASKWHY_RAW_TRANSCRIPT_RETENTION_DAYS, and the dead letters
    (raw deliveries) as old; returns the counts of raw text replaced."""
    now = container.clock.now()
    days = container.settings.raw_transcript_retention_days
    done = retention.purge_all(
        sessions=container.sessions, now=now, retention_days=days, region=container.settings.redaction_region
    )
    with container.sessions.begin() as session:
        dropped = purge_dead_letters(session=session, before=now - timedelta(days=days))
    if done.responses or done.messages:
        log.info(
            "raw text replaced by its redacted form: %d responses, %d messages", done.responses, done.messages
        )
    if dropped:
        log.info("%d dead letters past the retention deleted", dropped)
    if (done.responses or done.messages or dropped) and not retention.wipe_purged(container.engine):
        log.warning("the database's log was in use; the raw text it still holds goes at the next purge")
    return done
