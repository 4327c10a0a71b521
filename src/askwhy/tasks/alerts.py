"""Alert tasks: detection nudged after every analysis batch, a sweep every minute, discovery on its own.

Each analysis batch nudges `DETECT_EMERGING` (`Jobs.nudge`: one waiting run covers a burst of
batches), so an alert follows the response that crossed the threshold within seconds. A run reads
every program's counts of the day and its baseline whatever the batch held (tens of milliseconds,
more with more programs and themes), so nudged runs start at most once per
``ASKWHY_ALERT_CHECK_SECONDS``: alone, a batch is checked at once; under a steady stream of batches
one check covers all those of that interval, and an alert comes at most that much later. The sweep
every minute is the safety net for a lost nudge, imports analysed elsewhere, and the day's turn;
it also nudges `DISCOVER_THEMES` once the unassigned pool has grown by
``ASKWHY_DISCOVERY_EVERY_UNASSIGNED`` sentences, which proposes new themes and then runs detection
(a theme just proposed may be a new one).

Detection and discovery are imported where they run, on the analysis queue: they bring SciPy and
scikit-learn (about a second of CPU), which a worker of the conversations queue, and the server,
would otherwise load before taking their first task or request.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from askwhy.domain.alerts import Alert
from askwhy.queue.jobs import Queue

if TYPE_CHECKING:
    from askwhy.bootstrap import Container
    from askwhy.queue.jobs import Jobs

log = logging.getLogger(__name__)

DETECT_EMERGING = "detect_emerging"
DETECT_SWEEP = "detect_emerging_sweep"
DISCOVER_THEMES = "discover_themes"


def register(jobs: Jobs, container: Container) -> None:
    spacing = container.settings.alert_check_seconds

    @jobs.task(DETECT_EMERGING, queue=Queue.ANALYSIS, spacing=spacing, retries=2, retry_delay=5)
    def detect_emerging() -> int:
        jobs.nudge_taken(DETECT_EMERGING)
        return len(run_detection(container))

    @jobs.periodic(DETECT_SWEEP, queue=Queue.ANALYSIS, minute="*")
    def detect_emerging_sweep() -> int:
        jobs.nudge_taken(DETECT_EMERGING)
        opened = run_detection(container)
        nudge_discovery(container)
        return len(opened)

    @jobs.task(DISCOVER_THEMES, queue=Queue.ANALYSIS, retries=1, retry_delay=60)
    def discover_themes() -> int:
        jobs.nudge_taken(DISCOVER_THEMES)
        found = run_discovery(container)
        if found:
            jobs.nudge(DETECT_EMERGING)  # a theme just proposed may be a new one
        return found


def run_detection(container: Container) -> list[Alert]:
    """Every detector over every program with responses today; returns the alerts opened."""
    from askwhy.alerts.detection import design_from, detect

    return detect(
        sessions=container.sessions,
        reads=container.reads,
        clock=container.clock,
        design=replace(design_from(container.settings), near_duplicate=container.near_duplicate),
    )


def nudge_discovery(container: Container) -> bool:
    """Nudge discovery if the unassigned pool has grown enough since its last run (checked each
    minute: discovery is not urgent, and analysis batches need not pay for the count)."""
    from askwhy.alerts.pool_discovery import pool_grown

    with container.reads.begin() as session:
        grown = pool_grown(session=session, every=container.settings.discovery_every_unassigned)
    if grown:
        container.jobs.nudge(DISCOVER_THEMES)
    return grown


def run_discovery(container: Container) -> int:
    """Propose themes from the pool if it has grown enough; returns how many were proposed."""
    from askwhy.alerts.pool_discovery import discover_if_grown

    settings = container.settings
    brands = {guide.brand for guide in container.guides.values() if guide.brand.lower() != "us"}
    result = discover_if_grown(
        sessions=container.sessions,
        rule=container.assignment_rule,
        now=container.clock.now(),
        every=settings.discovery_every_unassigned,
        min_theme_size=settings.theme_min_size,
        brand_terms=sorted({*settings.theme_brand_terms, *brands}),
    )
    if result is None:
        return 0
    log.info("discovery proposed %d themes from a pool of %d sentences", len(result.themes), result.pool)
    return len(result.themes)
