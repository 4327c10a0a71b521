"""Answering customers' messages that arrived through webhooks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from askwhy import inbound

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.jobs import Jobs


def register(jobs: Jobs, container: Container) -> None:
    # A lock wait that times out (another turn of the same conversation is slow) is retried.
    @jobs.task("process_inbound", retries=5, retry_delay=2)
    def process_inbound(message_id: int) -> int:
        return inbound.process_inbound(container=container, message_id=message_id)
