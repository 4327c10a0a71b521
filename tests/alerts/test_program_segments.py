"""A program names the segments its alerts watch in its own YAML (``alerts: segments``), beside the
settings' ``ASKWHY_ALERT_SEGMENTS``: its themes and metrics are then tested in each value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from askwhy.alerts.detection import design_from, detect
from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.alerts import AlertKind
from askwhy.domain.program import Program
from askwhy.programs.startup import sync_from_folder
from askwhy.settings import Settings
from tests.alerts.streams import LATE, PROGRAM, add_late_theme, import_today, seed_history
from tests.cases.conftest import TEAM, write_program

WATCHING_REGIONS: dict[str, Any] = {
    "id": PROGRAM,
    "name": "After checkout",
    "guide": "post-checkout",
    "moments": ["order_delivered"],
    "channels": [{"channel": "email"}],
    "teams": [TEAM],
    "alerts": {"segments": ["region"]},
}


def container_for(settings: Settings, clock: FakeClock, folder: Path, program: dict[str, Any]) -> Container:
    write_program(folder, program)
    built = bootstrap(
        settings.model_copy(update={"programs_dir": folder}), clock=clock, embedder=HashingEmbedder()
    )
    sync_from_folder(sessions=built.sessions, guides=built.guides, folder=folder, now=clock.now())
    add_late_theme(built)
    seed_history(built)
    return built


@pytest.fixture
def watching(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[Container]:
    built = container_for(settings, clock, tmp_path / "programs", WATCHING_REGIONS)
    yield built
    built.close()


@pytest.fixture
def not_watching(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[Container]:
    built = container_for(settings, clock, tmp_path / "programs", {**WATCHING_REGIONS, "alerts": {}})
    yield built
    built.close()


def run(container: Container) -> list[tuple[AlertKind, str, dict[str, str]]]:
    opened = detect(
        sessions=container.sessions, reads=container.reads, clock=container.clock,
        design=design_from(container.settings),
    )  # fmt: skip
    return [(a.kind, a.subject, a.segment) for a in opened]


def test_a_theme_rising_in_a_segment_value_the_program_names_alerts_for_that_value(
    watching: Container, tmp_path: Path
) -> None:
    # South: 6 late of 20 (30% against about 5%); the program as a whole: 6 of 60, 10%.
    import_today(watching, tmp_path, late=6, others=54, south=14)
    assert run(watching) == [(AlertKind.RISING_THEME, LATE, {"region": "south"})]


def test_without_the_programs_segments_only_the_whole_program_is_watched(
    not_watching: Container, tmp_path: Path
) -> None:
    import_today(not_watching, tmp_path, late=6, others=54, south=14)
    assert run(not_watching) == []


def test_the_segments_a_program_names_are_checked() -> None:
    with pytest.raises(ValueError, match=r"alerts\.segments"):
        Program.model_validate({**WATCHING_REGIONS, "alerts": {"segments": [""]}})
