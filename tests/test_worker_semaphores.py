"""A killed analysis worker leaves no semaphore behind.

The embedding model opens a (disabled) tqdm progress bar on every batch, and tqdm's default lock is
a multiprocessing lock: in a worker `askwhy serve` spawned, a named semaphore registered with the
server's resource tracker, which a SIGKILLed worker never unregisters ("leaked semaphore objects"
when the server stops). An analysis worker gives tqdm a lock of its own threads instead.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading

import pytest
from huey.consumer import Consumer

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import bootstrap
from askwhy.cli import worker
from askwhy.queue.jobs import Queue
from askwhy.settings import Settings


def _open_a_progress_bar(threads_only: bool) -> None:
    """In a spawned process: exit with the number of semaphores a progress bar registered."""
    from multiprocessing import resource_tracker

    from tqdm import tqdm

    registered: list[str] = []
    resource_tracker.register = lambda name, rtype: registered.append(rtype)
    if threads_only:
        worker.progress_bars_lock_threads_only()
    for _ in tqdm(range(1), disable=True):
        pass
    sys.exit(len(registered))


@pytest.mark.parametrize(("threads_only", "semaphores"), [(False, 1), (True, 0)])
def test_a_spawned_worker_s_progress_bars_register_no_semaphore(threads_only: bool, semaphores: int) -> None:
    process = multiprocessing.get_context("spawn").Process(target=_open_a_progress_bar, args=(threads_only,))
    process.start()
    process.join(timeout=120)
    assert process.exitcode == semaphores


def test_an_analysis_worker_gives_progress_bars_a_lock_of_its_threads(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = bootstrap(settings.model_copy(update={"queue_inline": False}))
    container.embedder_factory = HashingEmbedder
    given = threading.Event()
    monkeypatch.setattr(worker, "progress_bars_lock_threads_only", given.set)
    monkeypatch.setattr(worker, "load_identifier", lambda: None)
    monkeypatch.setattr(Consumer, "run", lambda consumer: None)
    try:
        worker.work(container, threads=1, queues=(Queue.ANALYSIS,))
        assert given.is_set()
    finally:
        container.close()
