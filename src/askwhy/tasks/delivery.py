"""Delivering the outbox: due messages in batches when nudged, scheduled ones one by one, and a
sweep for anything due or stranded."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from askwhy.outbox import delivery

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.queue.jobs import Jobs

log = logging.getLogger(__name__)


def register(jobs: Jobs, container: Container) -> None:
    @jobs.task("deliver_message")
    def deliver_message(message_id: int) -> str:
        return delivery.deliver_message(ports=container.delivering, message_id=message_id)

    @jobs.task("deliver_due_now")
    def deliver_due_now() -> int:
        # Nudged when replies are written (`Jobs.nudge`): one run sends all that is due, in batches.
        jobs.nudge_taken("deliver_due_now")
        ports = container.delivering
        return jobs.drain(
            "deliver_due_now",
            lambda: delivery.deliver_due_now(ports=ports, limit=delivery.BATCH),
            full=delivery.BATCH,
        )

    @jobs.periodic("deliver_due_messages", minute="*")
    def deliver_due_messages() -> int:
        # Scheduled sends and retries whose task was lost go to one batched run; leases of workers
        # that died and messages with an expiry, one task each. Under load many replies are due
        # at any moment: a task each would be a burst of write transactions for nothing.
        jobs.nudge_taken("deliver_due_now")
        jobs.nudge("deliver_due_now")
        stranded = delivery.stranded_messages(ports=container.delivering)
        for message_id in stranded:
            jobs.enqueue("deliver_message", message_id)
        if stranded:
            log.info("queued %d stranded or expiring messages for delivery", len(stranded))
        return len(stranded)
