"""Fixtures for insight tests: a container with the hashing embedder, so no model is ever loaded.

Test modules load them with ``pytest_plugins = ("tests.insights.fixtures",)``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.scales import Metric
from askwhy.insights import analyse_responses, importing, propose_themes
from askwhy.insights.feedback_files import ColumnMapping
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.settings import Settings

PHRASES = {
    "delivery": ["the delivery was late", "shipping took two weeks", "my parcel arrived late again"],
    "staff": ["the support agent was rude", "staff were rude and unhelpful", "rude support on the phone"],
    "price": ["great price for the quality", "the price is fair", "cheap price and good value"],
    "fit": ["the dress fits perfectly", "the size runs small", "the fit is great"],
}


def write_reviews(path: Path, rows: int = 160) -> Path:
    """A small comments file over four months with four clear themes; late and rude mean lower scores."""
    themes = list(PHRASES)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "Review Text", "Rating", "Date", "Department"])
        for i in range(rows):
            first, second = themes[i % 4], themes[(i // 4 + 1 + i) % 4]
            if first == second:
                second = themes[(i + 1) % 4]
            text = f"{PHRASES[first][i % 3].capitalize()}. {PHRASES[second][(i // 3) % 3].capitalize()}."
            bad = "late" in text or "rude" in text or "weeks" in text
            score = 1 + (i % 3) if bad else 3 + (i % 3)
            month = 1 + (i * 4) // rows
            writer.writerow(
                [f"r{i}", text, score, f"2024-{month:02d}-{1 + i % 27:02d}", ["Dresses", "Tops"][i % 2]]
            )
    return path


MAPPING = ColumnMapping(
    text="Review Text", score="Rating", metric=Metric.CSAT, date="Date", id="id", segments=("Department",)
)


@pytest.fixture
def reviews(tmp_path: Path) -> Path:
    """The small reviews file, written afresh for the test."""
    return write_reviews(tmp_path / "reviews.csv")


@pytest.fixture
def insights_container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    built = bootstrap(settings, clock=clock, embedder=HashingEmbedder())
    yield built
    built.close()


@pytest.fixture
def insights_client(insights_container: Container) -> Iterator[TestClient]:
    with insights_container.sessions.begin() as session:
        _, key = api_keys.create_key(
            session=session, name="analyst", scopes=["read"], now=insights_container.clock.now()
        )
    with TestClient(create_app(insights_container), headers={"X-API-Key": key}) as test_client:
        yield test_client


@pytest.fixture
def analysed(insights_container: Container, reviews: Path) -> Container:
    """The container with the small reviews file imported, enriched and themed."""
    container = insights_container
    importing.import_feedback(
        sessions=container.sessions,
        path=reviews,
        mapping=MAPPING,
        program="reviews",
        channel="import",
        now=container.clock.now(),
    )
    rule = container.assignment_rule
    analyse_responses.enrich_pending(
        sessions=container.sessions, enricher=container.enricher, rule=rule, now=container.clock.now
    )
    with container.sessions.begin() as session:
        propose_themes.discover(session=session, rule=rule, now=container.clock.now(), min_theme_size=5)
    return container
