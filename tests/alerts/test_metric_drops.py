"""Metric drops over the store: the negative share rising alerts like a metric falling; a metric
falling in one segment value alerts for that value even when the whole program hides it; a
whole-program drop names the segment values most affected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from askwhy.alerts.detection import design_from, detect
from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.alerts import Alert, AlertKind
from askwhy.settings import Settings
from tests.alerts.streams import COMPLAINTS, add_late_theme, import_today, seed_history

pytest_plugins = ("tests.insights.fixtures",)


@pytest.fixture
def watching(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    """A container whose detection also watches each value of ``region``."""
    built = bootstrap(
        settings.model_copy(update={"alert_segments": ["region"]}), clock=clock, embedder=HashingEmbedder()
    )
    add_late_theme(built)
    yield built
    built.close()


def run(container: Container) -> list[Alert]:
    return detect(
        sessions=container.sessions,
        reads=container.reads,
        clock=container.clock,
        design=design_from(container.settings),
    )


def drops(opened: list[Alert]) -> dict[tuple[str, str], Alert]:
    """The metric-drop alerts by (subject, segment as name=value or "")."""
    return {
        (a.subject, ";".join(f"{k}={v}" for k, v in sorted(a.segment.items()))): a
        for a in opened
        if a.kind is AlertKind.METRIC_DROP
    }


def test_the_negative_share_rising_opens_an_alert_with_its_unhappy_quotes(
    insights_container: Container, tmp_path: Path
) -> None:
    container = insights_container
    add_late_theme(container)
    seed_history(container, negative=lambda back: 4)  # 10% negative for nine weeks
    import_today(container, tmp_path, late=0, others=20, extra=COMPLAINTS[:20])  # half of today complains

    found = drops(run(container))

    alert = found[("negative-share", "")]
    assert alert.label == "Negative share"
    evidence = alert.evidence
    assert evidence is not None
    assert evidence.what.startswith("Negative share today 50.0% (n=40), up from 10.0%: +40.0 points")
    assert (evidence.value, round(evidence.baseline, 1)) == (50.0, 10.0)
    assert evidence.high is not None
    assert 0 < evidence.low < 40 < evidence.high
    assert evidence.p_value < 1e-4
    assert 3 <= len(evidence.quotes) <= 5
    assert all(quote.text.startswith("The app is") for quote in evidence.quotes)
    assert ("csat", "") not in found, "the scores did not move"


def test_a_metric_falling_in_one_segment_value_alerts_for_that_value(
    watching: Container, tmp_path: Path
) -> None:
    # CSAT between 85 and 100 from day to day (0, 3 or 6 of 40 scored 1), in both regions alike.
    seed_history(watching, detractors=lambda back: (back % 3) * 3)
    import_today(watching, tmp_path, late=0, others=100, score=5)  # the north, content
    import_today(watching, tmp_path, late=0, others=20, south=20, score=1)  # the south, not at all

    found = drops(run(watching))

    assert ("csat", "region=south") in found
    assert ("csat", "") not in found, "100 content answers in the north hide the south's fall"
    assert not [key for key in found if key[1] == "region=north"]
    alert = found[("csat", "region=south")]
    assert alert.segment == {"region": "south"}
    evidence = alert.evidence
    assert evidence is not None
    assert evidence.what.startswith("CSAT in region south today 0.0 (n=20), down from")
    assert evidence.baseline > 80
    assert evidence.low > 0
    assert evidence.quotes, "the south's detractors are quoted"
    assert run(watching) == [], "the segment's episodes are in progress"


def test_a_whole_program_drop_names_the_segment_values_most_affected(
    insights_container: Container, tmp_path: Path
) -> None:
    container = insights_container
    add_late_theme(container)
    seed_history(container, score=5)
    import_today(container, tmp_path, late=0, others=30, south=10, score=1)  # 20 north, 10 south

    alert = drops(run(container))[("csat", "")]

    assert alert.evidence is not None
    north, south = alert.evidence.segments[:2]
    assert (north.name, north.value, north.n, north.unit) == ("region", "north", 20, "points")
    assert (south.value, south.n) == ("south", 10)
    assert north.share == 0.0
    assert north.baseline_share == 100.0
    assert north.compared() == "0.0 against 100.0"
