"""A task nudged by every batch of a burst, but registered with a spacing, starts at most once per
spacing: at once when its last run started long enough ago, else scheduled for then."""

from __future__ import annotations

import time
from datetime import UTC

from askwhy.bootstrap import Container, bootstrap
from askwhy.queue.jobs import Jobs, Queue
from askwhy.settings import Settings
from askwhy.tasks.alerts import DETECT_EMERGING


def started(jobs: Jobs, name: str, when: float) -> None:
    """As if the last run of ``name`` had started at ``when`` (Unix seconds)."""
    jobs.huey.storage.put_data(Jobs.STARTED + name, repr(when).encode())


def test_a_spaced_task_never_run_runs_at_once(container: Container) -> None:
    container.jobs.huey.immediate = False
    container.jobs.task("spaced", spacing=30)(lambda: None)
    container.jobs.nudge("spaced")
    assert [task.eta for task in container.jobs.huey.pending()] == [None]


def test_a_spaced_task_that_ran_lately_waits_for_its_spacing_and_a_burst_shares_the_wait(
    container: Container,
) -> None:
    huey = container.jobs.huey
    huey.immediate = False
    container.jobs.task("spaced", spacing=30)(lambda: None)
    container.jobs.nudge_taken("spaced")  # a run starts now
    began = float(huey.storage.peek_data(Jobs.STARTED + "spaced"))
    for _ in range(5):
        container.jobs.nudge("spaced")  # the batches of a burst
    [waiting] = huey.pending()  # one run, due at its spacing (the consumer holds it until then)
    assert began + 29 < waiting.eta.replace(tzinfo=UTC).timestamp() < began + 31  # Huey's etas are UTC


def test_a_spaced_task_whose_last_run_started_long_ago_runs_at_once(container: Container) -> None:
    container.jobs.huey.immediate = False
    container.jobs.task("spaced", spacing=30)(lambda: None)
    started(container.jobs, "spaced", time.time() - 60)
    container.jobs.nudge("spaced")
    assert [task.eta for task in container.jobs.huey.pending()] == [None]


def test_a_task_without_spacing_records_no_start(container: Container) -> None:
    container.jobs.huey.immediate = False
    container.jobs.task("plain")(lambda: None)
    container.jobs.nudge("plain")
    container.jobs.nudge_taken("plain")
    container.jobs.nudge("plain")
    assert len(container.jobs.huey) == 2
    assert not container.jobs.huey.storage.has_data_for_key(Jobs.STARTED + "plain")


def test_inline_a_spaced_task_runs_within_the_nudge(container: Container) -> None:
    ran: list[int] = []

    def spaced() -> None:
        container.jobs.nudge_taken("spaced")
        ran.append(1)

    container.jobs.task("spaced", spacing=30)(spaced)
    container.jobs.nudge("spaced")
    container.jobs.nudge("spaced")  # inline there is no later to wait for
    assert ran == [1, 1]


def test_detection_nudged_by_analysis_is_spaced_by_the_setting(settings: Settings) -> None:
    container = bootstrap(settings.model_copy(update={"queue_inline": False, "alert_check_seconds": 20}))
    try:
        analysis = container.jobs.queues[Queue.ANALYSIS]
        container.jobs.nudge_taken(DETECT_EMERGING)  # a check starts
        container.jobs.nudge(DETECT_EMERGING)
        container.jobs.nudge(DETECT_EMERGING)
        [waiting] = analysis.pending()
        assert waiting.eta is not None
    finally:
        container.close()


def test_detection_after_every_batch_when_the_setting_is_zero(settings: Settings) -> None:
    container = bootstrap(settings.model_copy(update={"queue_inline": False, "alert_check_seconds": 0}))
    try:
        analysis = container.jobs.queues[Queue.ANALYSIS]
        container.jobs.nudge_taken(DETECT_EMERGING)
        container.jobs.nudge(DETECT_EMERGING)
        assert [task.eta for task in analysis.pending()] == [None]
    finally:
        container.close()
