"""Background tasks, one module per area, each with ``register(jobs, container)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from askwhy.tasks import (
    alerts,
    analysis,
    cases,
    conversations,
    delivery,
    events,
    inbound,
    notifications,
    retention,
    voice_notes,
)

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.queue.jobs import Jobs

AREAS = (
    conversations,
    analysis,
    inbound,
    delivery,
    events,
    retention,
    alerts,
    notifications,
    cases,
    voice_notes,
)
"""Modules with a ``register(jobs, container)`` function that adds their tasks."""


def register_tasks(jobs: Jobs, container: Container) -> None:
    """Add every area's tasks to the queue (at start-up, never at import)."""
    for area in AREAS:
        area.register(jobs, container)
