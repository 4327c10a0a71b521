"""Conversation housekeeping: closing conversations whose customer went quiet."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from askwhy import conversations

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.queue.jobs import Jobs

log = logging.getLogger(__name__)


def register(jobs: Jobs, container: Container) -> None:
    @jobs.periodic("close_idle_conversations", minute="*")
    def close_idle_conversations() -> int:
        return close_idle(container)


def close_idle(container: Container) -> int:
    """Abandon every open conversation idle past its guide's limit; returns how many closed."""
    now = container.clock.now()
    shortest = min((g.limits.abandon_after_minutes for g in container.guides.values()), default=60)
    with container.sessions.begin() as session:
        candidates = conversations.idle_candidates(session=session, now=now, shortest_limit_minutes=shortest)
    closed = 0
    for conversation_id in candidates:
        with container.sessions.begin() as session:
            closed += conversations.close_if_idle(
                session=session, guides=container.guides, conversation_id=conversation_id, now=now
            )
    if closed:
        log.info("closed %d idle conversations", closed)
    return closed
