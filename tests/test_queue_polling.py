"""Idle consumers poll a SQLite queue: the conversations queue often (a reply waits for its polls),
the analysis queue seldom (an analysis has seconds to spare)."""

from __future__ import annotations

from askwhy.bootstrap import Container
from askwhy.queue.jobs import Queue


def test_an_idle_analysis_consumer_polls_less_often_than_a_conversations_one(container: Container) -> None:
    conversations = container.jobs.consumer(workers=2, queue=Queue.CONVERSATIONS)
    analysis = container.jobs.consumer(workers=2, queue=Queue.ANALYSIS)
    assert conversations.max_delay == 0.02
    assert analysis.max_delay == 0.25
    assert [worker.max_delay for worker, _ in analysis.worker_threads] == [0.25, 0.25]
