"""Delivering the outbox: one task per message, and a sweep for anything due or stranded."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from askwhy import delivery

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.jobs import Jobs

log = logging.getLogger(__name__)


def register(jobs: Jobs, container: Container) -> None:
    @jobs.task("deliver_message")
    def deliver_message(message_id: int) -> str:
        return delivery.deliver_message(container=container, message_id=message_id)

    @jobs.periodic("deliver_due_messages", minute="*")
    def deliver_due_messages() -> int:
        # Scheduled sends, retries whose task was lost, and leases of workers that died.
        due = delivery.due_messages(container=container)
        for message_id in due:
            jobs.enqueue("deliver_message", message_id)
        if due:
            log.info("queued %d due messages for delivery", len(due))
        return len(due)
