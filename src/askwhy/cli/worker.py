"""`askwhy worker`: a process that works the background queue (delivery, analysis, alerts)."""

from __future__ import annotations

import logging
import os
import time
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
    """Work the queue on ``threads`` task threads until the process is told to stop."""
    warm_up_analysis(container)
    consumer = container.jobs.consumer(workers=threads)
    settle_heap()
    consumer.run()


WARM_UP_TEXT = "The parcel came two days late, but the support agent sorted it out kindly."


def warm_up_analysis(container: Container) -> None:
    """Load the analysis models and run them once on a sample sentence, before taking tasks.

    Loading the embedding model takes seconds, most of them importing native libraries while
    holding the interpreter lock: done on first use, in the middle of the work, it stalled the
    process's other task threads (the interviewer's turns, deliveries) for as long. Nothing is
    stored. Models that fail to load are reported and the worker goes on: deliveries and turns
    need no model, and the analysis tasks fail, and are retried, on their own."""
    started = time.perf_counter()
    try:
        container.enricher.enrich([WARM_UP_TEXT])
    except Exception:
        log.exception("the analysis models could not be loaded; analysis waits until they can be")
        return
    log.info("analysis models loaded in %.1f s", time.perf_counter() - started)
