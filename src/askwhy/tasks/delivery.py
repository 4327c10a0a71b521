"""Delivering the outbox: due messages in batches when nudged, scheduled ones one by one, and a
sweep for anything due or stranded."""

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

    @jobs.task("deliver_due_now")
    def deliver_due_now() -> int:
        # Nudged when replies are written (`Jobs.nudge`): one run sends all that is due, in batches.
        jobs.nudge_taken("deliver_due_now")
        return jobs.drain(
            "deliver_due_now",
            lambda: delivery.deliver_due_now(container=container, limit=delivery.BATCH),
            full=delivery.BATCH,
        )

    @jobs.periodic("deliver_due_messages", minute="*")
    def deliver_due_messages() -> int:
        # Scheduled sends, retries whose task was lost, and leases of workers that died.
        jobs.nudge_taken("deliver_due_now")
        due = delivery.due_messages(container=container)
        for message_id in due:
            jobs.enqueue("deliver_message", message_id)
        if due:
            log.info("queued %d due messages for delivery", len(due))
        return len(due)
