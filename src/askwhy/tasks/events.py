"""Events API housekeeping: forgetting stored responses whose Idempotency-Key has expired."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from askwhy.store import idempotency

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.queue.jobs import Jobs


def register(jobs: Jobs, container: Container) -> None:
    @jobs.periodic("purge_idempotency_records", minute="17")
    def purge_idempotency_records() -> int:
        return purge(container)


def purge(container: Container) -> int:
    """Delete idempotency records older than ASKWHY_IDEMPOTENCY_TTL_HOURS; returns how many."""
    ttl = timedelta(hours=container.settings.idempotency_ttl_hours)
    with container.sessions.begin() as session:
        return idempotency.purge_expired(session=session, now=container.clock.now(), ttl=ttl)
