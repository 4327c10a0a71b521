"""`askwhy worker`: a process that works the background queue (delivery, analysis, alerts)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from askwhy.cli.context import console, opened, settle_heap


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
        consumer = container.jobs.consumer(workers=threads or settings.worker_threads)
        settle_heap()
        consumer.run()
