"""Delivering the outbox: due messages in batches when nudged, scheduled ones one by one, and a
sweep for anything due or stranded."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from askwhy.domain.conversation import Channel
from askwhy.outbox import delivery, outages, probing

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.queue.jobs import Jobs

log = logging.getLogger(__name__)

SENDS = "sends"
"""The slot group (`Jobs.slot`) of tasks that wait on a provider: at most half a process's threads."""
NO_SLOT_RETRY_SECONDS = 1.0
"""When a send task runs again after finding every send slot of its process busy."""


def register(jobs: Jobs, container: Container) -> None:
    @jobs.task("deliver_message")
    def deliver_message(message_id: int) -> str:
        with jobs.slot(SENDS) as free:
            if not free:  # sends in this process are slow: leave the threads to storing and turns
                jobs.enqueue_in(NO_SLOT_RETRY_SECONDS, "deliver_message", message_id)
                return "postponed"
            return delivery.deliver_message(ports=container.delivering, message_id=message_id)

    @jobs.task("deliver_due_now")
    def deliver_due_now() -> int:
        # Nudged when replies are written (`Jobs.nudge`): one run sends all that is due, in batches.
        with jobs.slot(SENDS) as free:
            if not free:
                # The nudge mark stays set, so the nudges meanwhile queue nothing more: this one
                # run, postponed, sends what they wrote.
                jobs.enqueue_in(NO_SLOT_RETRY_SECONDS, "deliver_due_now")
                return 0
            jobs.nudge_taken("deliver_due_now")
            ports = container.delivering
            return jobs.drain(
                "deliver_due_now",
                lambda: delivery.deliver_due_now(ports=ports, limit=delivery.BATCH),
                full=delivery.BATCH,
            )

    @jobs.task(outages.PROBE_TASK)
    def probe_provider(channel: str, token: str, number: int, postponed: bool = False) -> str:
        # One of a chain of probes of a provider that is down; the chain schedules its next
        # probe before this one sends, and ends when a send goes through.
        ports, held = container.delivering, Channel(channel)
        now = ports.clock.now()
        if postponed:
            if not outages.still_probing(jobs=jobs, channel=held, token=token):
                return "over"
        elif not outages.probe_due(jobs=jobs, channel=held, token=token, number=number, now=now):
            return "over"
        with jobs.slot(SENDS) as free:
            if not free:  # earlier probes hang in every send slot: this one may be the one that gets through
                jobs.enqueue_in(NO_SLOT_RETRY_SECONDS, outages.PROBE_TASK, channel, token, number, True)
                return "postponed"
            return probing.probe(ports=ports, channel=held)

    @jobs.periodic("deliver_due_messages", minute="*")
    def deliver_due_messages() -> int:
        # Scheduled sends and retries whose task was lost go to one batched run; leases of workers
        # that died and messages with an expiry, one task each. Under load many replies are due
        # at any moment: a task each would be a burst of write transactions for nothing.
        jobs.nudge_taken("deliver_due_now")
        jobs.nudge("deliver_due_now")
        outages.revive_probes(jobs=jobs, channels=container.delivering.senders, now=container.clock.now())
        stranded = delivery.stranded_messages(ports=container.delivering)
        for message_id in stranded:
            jobs.enqueue("deliver_message", message_id)
        if stranded:
            log.info("queued %d stranded or expiring messages for delivery", len(stranded))
        return len(stranded)
