"""Raw transcript retention: every hour, customer text past the retention keeps only its redacted form."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from askwhy.privacy import retention

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
    """Purge every raw transcript past ASKWHY_RAW_TRANSCRIPT_RETENTION_DAYS; returns the counts."""
    done = retention.purge_all(
        sessions=container.sessions,
        now=container.clock.now(),
        retention_days=container.settings.raw_transcript_retention_days,
        region=container.settings.redaction_region,
    )
    if done.responses or done.messages:
        log.info(
            "raw text replaced by its redacted form: %d responses, %d messages", done.responses, done.messages
        )
        if not retention.wipe_purged(container.engine):
            log.warning("the database's log was in use; the raw text it still holds goes at the next purge")
    return done
