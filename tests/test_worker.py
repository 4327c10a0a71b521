"""`askwhy worker` and the worker processes of `askwhy serve`: ready before they take tasks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from huey.consumer import Consumer

from askwhy.analysis.embeddings import HashingEmbedder, Vectors
from askwhy.bootstrap import bootstrap
from askwhy.cli.worker import WARM_UP_TEXT, work
from askwhy.settings import Settings


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.encoded += texts
        return super().encode(texts)


def test_a_worker_runs_the_analysis_models_once_before_it_takes_tasks(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = CountingEmbedder()
    container = bootstrap(settings.model_copy(update={"queue_inline": False}), embedder=embedder)
    seen_at_start: list[str] = []
    monkeypatch.setattr(Consumer, "run", lambda consumer: seen_at_start.extend(embedder.encoded))
    try:
        work(container, threads=1)
    finally:
        container.close()
    assert seen_at_start, "the models ran before the first task"
    assert all(text.lower() in WARM_UP_TEXT.lower() for text in seen_at_start), "only the sample"


def test_a_worker_whose_models_fail_to_load_still_takes_tasks(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    container = bootstrap(settings.model_copy(update={"queue_inline": False}))

    def unavailable() -> HashingEmbedder:
        raise OSError("model files missing")

    container.embedder_factory = unavailable
    ran: list[bool] = []
    monkeypatch.setattr(Consumer, "run", lambda consumer: ran.append(True))
    try:
        work(container, threads=1)
    finally:
        container.close()
    assert ran == [True]
    assert "could not be loaded" in caplog.text


def test_askwhy_worker_yields_the_cpu_by_its_niceness(settings: Settings) -> None:
    env = {
        **os.environ,
        "ASKWHY_DATABASE_URL": settings.resolved_database_url,
        "ASKWHY_DATA_DIR": str(settings.data_dir),
        "ASKWHY_GUIDES_DIR": str(settings.guides_dir),
        "ASKWHY_WORKER_NICENESS": "6",
        "ASKWHY_LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).parent / "askwhy"), "worker", "--threads", "1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while niceness(process.pid) != os.nice(0) + 6:
            assert process.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker's niceness never changed"
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=30)


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
