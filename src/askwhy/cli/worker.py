"""`askwhy worker`: a process that works the background queue (delivery, analysis, alerts)."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Annotated

import typer

from askwhy.cli.context import console, opened, settle_heap

if TYPE_CHECKING:
    from askwhy.bootstrap import Container

log = logging.getLogger(__name__)


def worker(
    threads: Annotated[
        int | None, typer.Option(help="Task threads (default: ASKWHY_WORKER_THREADS).")
    ] = None,
) -> None:
    """Work the queue until interrupted. Run any number of these against Redis and PostgreSQL."""
    with opened() as container:
        settings = container.settings
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        where = "Redis" if settings.redis_url else f"{settings.data_dir / 'queue.db'}"
        console.print(f"askwhy worker: {threads or settings.worker_threads} threads on the queue in {where}")
        if settings.worker_niceness:
            os.nice(settings.worker_niceness)  # requests first, on a machine shared with a server
        work(container, threads=threads or settings.worker_threads)


def work(container: Container, *, threads: int) -> None:
    """Work the queue on ``threads`` task threads until the process is told to stop.

    The analysis model is not loaded here: it takes seconds, and a restarted worker must take
    turns and deliveries at once. The analysis task loads it on first use (`Container.embedder`).
    """
    consumer = container.jobs.consumer(workers=threads)
    sweep_at_start(container)
    settle_heap()
    consumer.run()


RECOVERY_SWEEPS = ("store_kept_deliveries_due", "answer_waiting_messages", "deliver_due_messages")
"""The minute sweeps that find work whose nudge was lost, and clear stale nudge marks."""


def sweep_at_start(container: Container) -> None:
    """Queue the recovery sweeps now, not at the next minute: a worker starting again after a
    crash took queued tasks down with it, and left nudge marks set that queue nothing more, so
    the replies it held would otherwise wait up to a minute."""
    for name in RECOVERY_SWEEPS:
        if container.jobs.has(name):
            container.jobs.enqueue(name)
