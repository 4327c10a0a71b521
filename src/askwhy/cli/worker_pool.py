"""Queue worker processes that `askwhy serve` keeps running beside itself on a SQLite queue.

One Python process runs one thread at a time. The server's requests and the queue's work (the
interviewer's turns, deliveries, analysis) in one process take turns on one core however many the
machine has; in their own processes they use the others. A worker that dies is started again, and
a worker whose server died stops, so none is left behind.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from multiprocessing.process import BaseProcess

from askwhy.cli.orphans import stop_when_orphaned
from askwhy.cli.process_names import name_process
from askwhy.queue.jobs import Queue

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0
"""How often the server checks that its workers are alive."""
STOP_SECONDS = 20.0
"""How long a stopping server waits for each group of its processes before it kills them."""


class WorkerPool:
    """``count`` worker processes of the conversations queue and one of the analysis queue, of
    ``threads`` task threads each, at ``niceness`` below the server's CPU priority, and with
    ``inbox_storer`` the process that stores what the webhook inbox keeps
    (`askwhy.cli.inbox_storer`), at the server's; each is started again should it die.

    The analysis queue has a process of its own so that loading the language models and
    analysing never hold the interviewer's turns (`askwhy.queue.jobs.Queue`)."""

    def __init__(self, *, count: int, threads: int, inbox_storer: bool = False, niceness: int = 0) -> None:
        self._count, self._threads, self._inbox_storer = count, threads, inbox_storer
        self._niceness = niceness
        self._processes: list[BaseProcess] = []
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="askwhy-worker-pool", daemon=True)

    def start(self) -> None:
        self._processes = [self._spawn(n) for n in range(self._count + 1 + self._inbox_storer)]
        self._watcher.start()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop the processes in order, each told by SIGTERM: the inbox storer first (it ends
        between batches; what it has not stored stays kept), then the queue workers, which let
        their tasks under way finish (`askwhy.queue.jobs.SHUTDOWN_SECONDS`). One still running
        after ``timeout`` is killed; its tasks run again later (tasks are safe to)."""
        self._stopping.set()
        if self._watcher.is_alive():
            self._watcher.join()  # it could otherwise start a process again as we stop them
        workers, storers = self._processes[: self._count + 1], self._processes[self._count + 1 :]
        for group in (storers, workers):
            _stop_together(group, timeout=timeout)

    def _spawn(self, number: int) -> BaseProcess:
        # spawn, not fork: the server has threads and open connections a fork would copy
        context = multiprocessing.get_context("spawn")
        if number > self._count:
            from askwhy.cli.inbox_storer import store_kept_forever

            process = context.Process(
                target=store_kept_forever,
                kwargs={"server_pid": os.getpid(), "title": "askwhy-storer"},
                name="askwhy-inbox-storer",
                daemon=True,
            )
        else:
            queue = Queue.ANALYSIS if number == self._count else Queue.CONVERSATIONS
            process = context.Process(
                target=work_queue,
                kwargs={
                    "threads": self._threads,
                    "server_pid": os.getpid(),
                    "niceness": self._niceness,
                    "queue": queue,
                    "title": "askwhy-analysis" if queue is Queue.ANALYSIS else f"askwhy-worker-{number + 1}",
                },
                name=f"askwhy-{queue.value}-worker" + ("" if queue is Queue.ANALYSIS else f"-{number + 1}"),
                daemon=True,
            )
        process.start()
        return process

    def _watch(self) -> None:
        while not self._stopping.wait(CHECK_SECONDS):
            for number, process in enumerate(self._processes):
                if not process.is_alive() and not self._stopping.is_set():
                    log.warning("%s exited with code %s; starting it again", process.name, process.exitcode)
                    self._processes[number] = self._spawn(number)


def _stop_together(processes: list[BaseProcess], *, timeout: float) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.warning("%s did not stop within %.0f s; killing it", process.name, timeout)
            process.kill()
            process.join()


def work_queue(
    *,
    threads: int,
    server_pid: int,
    niceness: int = 0,
    queue: Queue = Queue.CONVERSATIONS,
    title: str = "",
) -> None:
    """A worker process's life: work ``queue`` until told to stop, or until its server is gone."""
    from askwhy.cli.context import opened
    from askwhy.cli.worker import niceness_for, work

    name_process(title)
    threading.Thread(target=stop_when_orphaned, args=(server_pid,), daemon=True).start()
    if lower := niceness_for((queue,), base=niceness):
        os.nice(lower)  # the server's requests come first; see ASKWHY_WORKER_NICENESS
    with opened(migrate_sqlite=False) as container:  # the server migrated before starting us
        logging.basicConfig(level=container.settings.log_level)
        work(container, threads=threads, queues=(queue,))
