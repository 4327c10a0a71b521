"""`askwhy worker`: a process that works the background queues (conversations, analysis)."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import threading
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from askwhy.analysis.language import load_identifier
from askwhy.cli import HELP
from askwhy.cli.context import console, opened, settle_heap
from askwhy.cli.first_turn import log_first_turn
from askwhy.queue.jobs import Queue

if TYPE_CHECKING:
    from huey.consumer import Consumer

    from askwhy.bootstrap import Container

log = logging.getLogger(__name__)


class Queues(StrEnum):
    """Which queues a worker process works."""

    ALL = "all"
    CONVERSATIONS = Queue.CONVERSATIONS.value
    ANALYSIS = Queue.ANALYSIS.value


def worker(
    threads: Annotated[
        int | None, typer.Option(help="Task threads per queue (default: ASKWHY_WORKER_THREADS).")
    ] = None,
    queue: Annotated[
        Queues,
        typer.Option(
            help="conversations: turns, deliveries, cases, notifications; analysis: analysis, theme "
            "discovery, emerging issues (loads the language models); all: both, in this process."
        ),
    ] = Queues.ALL,
) -> None:
    """Work the queues until interrupted. Run any number of these against Redis and PostgreSQL;
    at scale, give the analysis queue processes of its own (``--queue analysis``)."""
    with opened() as container:
        settings = container.settings
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        where = "Redis" if settings.redis_url else f"{settings.data_dir}"
        count = threads or settings.worker_threads
        console.print(f"askwhy worker: {count} threads on the {queue.value} queue(s) in {where}")
        worked = tuple(Queue) if queue is Queues.ALL else (Queue(queue.value),)
        if lower := niceness_for(worked, base=settings.worker_niceness):
            os.nice(lower)  # requests first, on a machine shared with a server
        work(container, threads=count, queues=worked)


def worker_app() -> None:
    """`askwhy worker` alone, without the other commands' modules (`askwhy.cli.main`)."""
    app = typer.Typer(name="askwhy", help=HELP, pretty_exceptions_enable=False)
    app.callback()(lambda: None)  # a group, so that the command is named: `askwhy worker`
    app.command("worker")(worker)
    app()


def work(container: Container, *, threads: int, queues: tuple[Queue, ...] = tuple(Queue)) -> None:
    """Work ``queues`` on ``threads`` task threads each until the process is told to stop.

    A worker of the conversations queue never loads the analysis model: it takes seconds of the
    interpreter, and a restarted worker must take turns and deliveries at once. A worker of the
    analysis queue alone loads it at start, beside its consumer (`Container.embedder` is shared
    and loaded once), so the first closed conversation is analysed without waiting for the load;
    a worker of both queues leaves it to the first analysis.
    """
    # The conversations queue's consumer runs in front and takes the signals; the other is stopped with it.
    ordered = sorted(queues, key=lambda queue: queue is not Queue.CONVERSATIONS)
    main, *beside = (container.jobs.consumer(workers=threads, queue=queue) for queue in ordered)
    for consumer in beside:
        _start_without_signals(consumer)
    if Queue.ANALYSIS in queues:
        progress_bars_lock_threads_only()
    if Queue.CONVERSATIONS in queues:
        log_first_turn(container.jobs.huey)
        sweep_at_start(container)
    else:
        threading.Thread(target=_load_model, args=(container,), name="askwhy-model-load", daemon=True).start()
    settle_heap()
    try:
        main.run()  # returns once told to stop (SIGTERM, SIGINT), its tasks under way finished
    finally:
        for consumer in beside:
            consumer.stop(graceful=True)


def _load_model(container: Container) -> None:
    """Load the analysis models (the embedding model, and the language identifier, whose load
    took about a second of CPU from the first analysis), then set their objects aside from the
    collector as start-up's are (`settle_heap`): loaded after the heap was settled, the model's
    hundreds of thousands of objects were walked again by every collection of the analysis worker."""
    container.embedder  # noqa: B018 (loaded on first access, and kept)
    load_identifier()
    settle_heap()


def progress_bars_lock_threads_only() -> None:
    """Give tqdm's progress bars, which the embedding model opens (disabled) on every batch, a
    lock of this process's threads instead of its default multiprocessing lock. In a worker that
    `askwhy serve` spawned, that lock is a named semaphore registered with the server's resource
    tracker; a worker killed with SIGKILL never unregisters it, and the server warned of "leaked
    semaphore objects" as it stopped. No bar is shown by a worker, so no other process shares it."""
    try:
        tqdm: Any = importlib.import_module("tqdm")
    except ImportError:  # installed with the embedding model; without it, no bar takes the lock
        return
    tqdm.tqdm.set_lock(threading.RLock())


def _start_without_signals(consumer: Consumer) -> None:
    """Start ``consumer``'s threads but leave the signals to the main consumer: a SIGTERM the
    other took before the main one starts would be lost, and the worker would never stop."""
    kept = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    consumer.start()
    for signum, handler in kept.items():
        signal.signal(signum, handler)


ANALYSIS_YIELDS = 5
"""How much further than the conversations' workers a worker of the analysis queue alone lowers
its CPU priority: on a machine they share, a customer's next question comes before an analysis,
which has seconds to spare, not milliseconds."""


def niceness_for(queues: tuple[Queue, ...], *, base: int) -> int:
    """How much a worker of ``queues`` lowers its CPU priority, given the settings' ``base``."""
    return min(19, base + ANALYSIS_YIELDS) if queues == (Queue.ANALYSIS,) else base


RECOVERY_SWEEPS = ("store_kept_deliveries_due", "answer_waiting_messages", "deliver_due_messages")
"""The minute sweeps that find work whose nudge was lost, and clear stale nudge marks."""


def sweep_at_start(container: Container) -> None:
    """Queue the recovery sweeps now, not at the next minute: a worker starting again after a
    crash took queued tasks down with it, and left nudge marks set that queue nothing more, so
    the replies it held would otherwise wait up to a minute."""
    for name in RECOVERY_SWEEPS:
        if container.jobs.has(name):
            container.jobs.enqueue(name)
