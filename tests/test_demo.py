"""Demo data: a first start on an empty database gets a small simulated set, and only then."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import delete, func, select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.insights import measures
from askwhy.insights.scored import main_metric
from askwhy.insights.selection import Selection
from askwhy.settings import Environment, Settings
from askwhy.simulation.demo import DAYS, seed_demo_if_empty
from askwhy.store.tables import Contact, Conversation, Response
from tests.invitations import invite_customer

PERSONAS = Path(__file__).resolve().parents[1] / "examples" / "personas"
PER_GUIDE = 12
"""Fewer than the demo's sixty, to keep the test fast; the code path is the same."""


@pytest.fixture
def demo_container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    """The container `askwhy serve` would build: a real queue (not run here), the example personas."""
    update = {"queue_inline": False, "personas_dir": PERSONAS}
    built = bootstrap(settings.model_copy(update=update), clock=clock, embedder=HashingEmbedder())
    yield built
    built.close()


def count(container: Container, model: type[Response] | type[Conversation]) -> int:
    with container.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_first_start_seeds_every_guide_and_second_start_stores_nothing(
    demo_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("askwhy.simulation.demo.CONVERSATIONS_PER_GUIDE", PER_GUIDE)
    stored = _seed(demo_container)
    assert stored == PER_GUIDE * len(demo_container.guides)
    assert count(demo_container, Response) == stored
    with demo_container.sessions() as session:
        responses = session.scalars(select(Response)).all()
    assert all(r.simulated for r in responses)
    assert Counter(r.guide_id for r in responses) == dict.fromkeys(demo_container.guides, PER_GUIDE)
    now = demo_container.clock.now()
    assert all(now - timedelta(days=DAYS + 1) <= r.responded_at <= now for r in responses)
    assert _seed(demo_container) == 0
    assert count(demo_container, Response) == stored


def test_a_database_with_real_responses_is_left_alone(demo_container: Container) -> None:
    with demo_container.sessions.begin() as session:
        session.add(
            Response(
                program="post-checkout",
                guide_id="post-checkout",
                channel="web",
                metric="nps",
                score=9,
                band="promoter",
                language="en",
                completion="completed",
                responded_at=demo_container.clock.now(),
                updated_at=demo_container.clock.now(),
            )
        )
    assert _seed(demo_container) == 0
    assert count(demo_container, Conversation) == 0


def test_guides_without_personas_are_skipped(
    demo_container: Container, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    demo_container.settings = demo_container.settings.model_copy(update={"personas_dir": tmp_path})
    assert _seed(demo_container) == 0
    assert "no demo data for guide post-checkout" in caplog.text


def test_production_is_never_seeded(demo_container: Container) -> None:
    demo_container.settings = demo_container.settings.model_copy(
        update={"environment": Environment.PRODUCTION, "secret_key": SecretStr("s" * 64)}
    )
    assert _seed(demo_container) == 0
    assert count(demo_container, Conversation) == 0


def test_a_database_with_customers_or_conversations_is_left_alone(
    demo_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("askwhy.simulation.demo.CONVERSATIONS_PER_GUIDE", PER_GUIDE)
    with demo_container.sessions.begin() as session:
        session.add(Contact(external_id="real-1", created_at=demo_container.clock.now()))
    assert _seed(demo_container) == 0
    assert count(demo_container, Conversation) == 0
    with demo_container.sessions.begin() as session:
        session.execute(delete(Contact))
    invite_customer(demo_container, phone="+447700900555", channel=Channel.SMS)
    assert _seed(demo_container) == 0
    assert count(demo_container, Conversation) == 1


def test_demo_data_counts_only_when_asked_for(
    demo_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("askwhy.simulation.demo.CONVERSATIONS_PER_GUIDE", PER_GUIDE)
    assert _seed(demo_container) > 0
    with demo_container.sessions() as session:
        assert main_metric(session=session, selection=Selection()) is None
        chosen = main_metric(session=session, selection=Selection(include_simulated=True))
        assert chosen is not None
        with pytest.raises(measures.NothingToMeasure):
            measures.metrics(session=session, selection=Selection(), metric=chosen)
        report = measures.metrics(session=session, selection=Selection(include_simulated=True))
        assert report.overall.n > 0
        assert report.funnel.invited > 0
        assert measures.conversation_funnel(session=session, selection=Selection()).invited == 0


def _seed(container: Container) -> int:
    return seed_demo_if_empty(
        sessions=container.sessions,
        guides=container.guides,
        settings=container.settings,
        now=container.clock.now(),
    )
