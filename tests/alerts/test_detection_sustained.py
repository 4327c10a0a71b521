"""Detection over the store, sustained rises: a theme up a little for weeks alerts once with the run
as its evidence, though no single day stands out; a steady theme and a short-lived bump do not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from askwhy.alerts.detection import design_from, detect
from askwhy.bootstrap import Container
from askwhy.domain.alerts import Alert, AlertKind
from tests.alerts.streams import LATE, PROGRAM, add_late_theme, import_today, seed_history

pytest_plugins = ("tests.insights.fixtures",)


def run(container: Container, *, sustained_part: float | None = None) -> list[Alert]:
    design = design_from(container.settings)
    if sustained_part is not None:
        design = replace(design, rising=replace(design.rising, sustained_part=sustained_part))
    return detect(sessions=container.sessions, reads=container.reads, clock=container.clock, design=design)


def _doubled_for(days: int) -> Callable[[int], int]:
    """Late deliveries per day: 2 of 40 (5%) for months, 4 of 40 over the last ``days`` days."""
    return lambda back: 4 if back <= days else 2


def test_a_share_doubled_for_three_weeks_alerts_over_the_run_though_today_alone_does_not(
    insights_container: Container, tmp_path: Path
) -> None:
    container = insights_container
    add_late_theme(container)
    seed_history(container, late=_doubled_for(20))
    import_today(container, tmp_path, late=4, others=36)

    assert run(container, sustained_part=0.0) == [], "today alone: 4 of 40 against 2 expected"
    [alert] = run(container)

    assert (alert.kind, alert.subject, alert.program) == (AlertKind.RISING_THEME, LATE, PROGRAM)
    evidence = alert.evidence
    assert evidence is not None
    assert "sustained rise" in evidence.test
    assert 0.08 < evidence.value < 0.12
    assert 0.04 < evidence.baseline < 0.06
    assert evidence.n >= 15 * 40
    started = container.clock.now().date() - timedelta(days=20)
    assert abs((evidence.since.date() - started).days) <= 2
    assert evidence.quotes, "quotes from the run's days"


def test_a_steady_theme_and_a_two_day_bump_open_no_sustained_alert(
    insights_container: Container, tmp_path: Path
) -> None:
    container = insights_container
    add_late_theme(container)
    seed_history(container, late=_doubled_for(2))
    import_today(container, tmp_path, late=3, others=37)

    assert run(container) == []


def test_a_theme_already_alarming_today_is_not_reported_twice(
    insights_container: Container, tmp_path: Path
) -> None:
    container = insights_container
    add_late_theme(container)
    seed_history(container, late=_doubled_for(20))
    import_today(container, tmp_path, late=14, others=26)

    [alert] = run(container)

    assert alert.evidence is not None
    assert "beta-binomial upper tail" in alert.evidence.test
