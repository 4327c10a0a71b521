"""`askwhy worker` and the worker processes of `askwhy serve`: they take tasks at once, the
analysis model loaded by the first analysis task, never by a turn or a delivery."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from huey.consumer import Consumer

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import bootstrap
from askwhy.cli.worker import ANALYSIS_YIELDS, RECOVERY_SWEEPS, niceness_for, work
from askwhy.clock import FakeClock
from askwhy.queue.jobs import Queue
from askwhy.settings import Settings
from askwhy.tasks.alerts import DETECT_EMERGING
from askwhy.tasks.analysis import ANALYSE_CLOSED, SETTLE_DAY_TALLIES
from askwhy.tasks.inbound import STORE_KEPT
from tests.insights.test_closed_batches import analysed, close_together, converse


class CountingFactory:
    """An embedding model's factory that counts the times it was asked to load the model."""

    def __init__(self) -> None:
        self.loads = 0

    def __call__(self) -> HashingEmbedder:
        self.loads += 1
        return HashingEmbedder()


def test_a_worker_takes_tasks_without_loading_the_analysis_model(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = bootstrap(settings.model_copy(update={"queue_inline": False}))
    factory = CountingFactory()
    container.embedder_factory = factory
    loads_at_start: list[int] = []
    monkeypatch.setattr(Consumer, "run", lambda consumer: loads_at_start.append(factory.loads))
    try:
        work(container, threads=1)
    finally:
        container.close()
    assert loads_at_start == [0], "the consumer started with no model loaded"


def test_a_starting_worker_queues_the_recovery_sweeps_before_it_takes_tasks(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = bootstrap(settings.model_copy(update={"queue_inline": False}))
    queued_at_start: list[str] = []

    def run(consumer: Consumer) -> None:
        queued_at_start.extend(task.name.rsplit(".", 1)[-1] for task in container.jobs.huey.pending())

    monkeypatch.setattr(Consumer, "run", run)
    try:
        work(container, threads=1)
    finally:
        container.close()
    assert sorted(queued_at_start) == sorted(RECOVERY_SWEEPS)


def test_turns_never_load_the_model_and_the_first_analysis_does(settings: Settings, clock: FakeClock) -> None:
    container = bootstrap(settings, clock=clock)
    factory = CountingFactory()
    container.embedder_factory = factory
    try:
        ids = converse(container, "The parcel came late.", "The price is fair.")
        assert factory.loads == 0, "the interviewer's turns ran without the analysis model"
        close_together(container, ids)
        assert all(analysed(container, conversation_id) for conversation_id in ids)
        assert factory.loads == 1
    finally:
        container.close()


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


def test_analysis_waits_on_a_queue_of_its_own_so_turns_never_wait_behind_it(settings: Settings) -> None:
    container = bootstrap(settings.model_copy(update={"queue_inline": False}))
    try:
        conversations, analysis = (
            container.jobs.queues[Queue.CONVERSATIONS],
            container.jobs.queues[Queue.ANALYSIS],
        )
        assert conversations is not analysis
        container.jobs.nudge(ANALYSE_CLOSED)
        container.jobs.nudge(DETECT_EMERGING)
        container.jobs.nudge(STORE_KEPT)
        assert sorted(task.name.rsplit(".", 1)[-1] for task in analysis.pending()) == [
            ANALYSE_CLOSED,
            DETECT_EMERGING,
        ]
        assert [task.name.rsplit(".", 1)[-1] for task in conversations.pending()] == [STORE_KEPT]
    finally:
        container.close()


def test_a_worker_of_the_conversations_queue_alone_never_consumes_analysis(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = bootstrap(settings.model_copy(update={"queue_inline": False}))
    consumed: list[object] = []
    monkeypatch.setattr(Consumer, "run", lambda consumer: consumed.append(consumer.huey))
    monkeypatch.setattr(Consumer, "start", lambda consumer: consumed.append(consumer.huey))
    monkeypatch.setattr(Consumer, "stop", lambda consumer, graceful=False: None)
    try:
        work(container, threads=1, queues=(Queue.CONVERSATIONS,))
        assert consumed == [container.jobs.queues[Queue.CONVERSATIONS]]
        consumed.clear()
        work(container, threads=1)  # both queues: the analysis consumer started beside the main one
        assert consumed == [container.jobs.queues[Queue.ANALYSIS], container.jobs.queues[Queue.CONVERSATIONS]]
    finally:
        container.close()


def test_the_day_tallies_are_recounted_on_the_analysis_queue(settings: Settings) -> None:
    container = bootstrap(settings.model_copy(update={"queue_inline": False}))
    try:
        container.jobs.enqueue(SETTLE_DAY_TALLIES)
        analysis = container.jobs.queues[Queue.ANALYSIS]
        assert [task.name.rsplit(".", 1)[-1] for task in analysis.pending()] == [SETTLE_DAY_TALLIES]
        assert container.jobs.queues[Queue.CONVERSATIONS].pending() == []
    finally:
        container.close()


def test_worker_processes_are_named_for_ps_and_top() -> None:
    script = (
        "from askwhy.cli.process_names import name_process; name_process('askwhy-analysis'); "
        "print(open('/proc/self/comm').read().strip())"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert shown.stdout.strip() == "askwhy-analysis"


def test_a_worker_of_the_analysis_queue_alone_loads_the_model_beside_its_consumer(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = bootstrap(settings.model_copy(update={"queue_inline": False}))
    factory = CountingFactory()
    container.embedder_factory = factory
    monkeypatch.setattr(Consumer, "run", lambda consumer: None)
    try:
        work(container, threads=1, queues=(Queue.ANALYSIS,))
        deadline = time.monotonic() + 30
        while factory.loads == 0:
            assert time.monotonic() < deadline, "the model was never loaded"
            time.sleep(0.01)
        assert container.embedder is not None
        assert factory.loads == 1, "loaded once, then shared"
    finally:
        container.close()


def test_the_analysis_worker_yields_the_cpu_to_the_conversations_workers() -> None:
    assert niceness_for((Queue.CONVERSATIONS,), base=10) == 10
    assert niceness_for(tuple(Queue), base=10) == 10, "a worker of both queues takes turns too"
    assert niceness_for((Queue.ANALYSIS,), base=10) == 10 + ANALYSIS_YIELDS
    assert niceness_for((Queue.ANALYSIS,), base=18) == 19, "Unix niceness stops at 19"
