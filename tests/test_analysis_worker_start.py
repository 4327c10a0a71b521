"""An analysis worker loads what the first analysis needs at start, beside its consumer."""

from __future__ import annotations

import threading

import pytest
from huey.consumer import Consumer

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import bootstrap
from askwhy.cli import worker
from askwhy.queue.jobs import Queue
from askwhy.settings import Settings


def test_the_analysis_worker_loads_the_language_identifier_at_start(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = bootstrap(settings.model_copy(update={"queue_inline": False}))
    container.embedder_factory = HashingEmbedder
    loaded = threading.Event()
    monkeypatch.setattr(worker, "load_identifier", loaded.set)
    monkeypatch.setattr(Consumer, "run", lambda consumer: None)
    try:
        worker.work(container, threads=1, queues=(Queue.ANALYSIS,))
        assert loaded.wait(timeout=30), "the language identifier was left to the first analysis"
    finally:
        container.close()
