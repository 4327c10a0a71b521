"""The guide's themes seed the codebook: accepted from the start, coded into first, with volumes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.analysis.guide_themes import seed_theme_id
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.insights import analyse_responses, propose_themes
from askwhy.programs.startup import sync_from_folder
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.simulation import Casting, load_personas, simulate
from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.tables import Conversation, Response

ROOT = Path(__file__).resolve().parents[2]
GUIDE = "post-checkout"


@pytest.fixture
def container(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[Container]:
    """Programs synced from an empty folder (the guides still seed), no analysis during simulation."""
    built = bootstrap(
        settings.model_copy(update={"queue_inline": False}), clock=clock, embedder=HashingEmbedder()
    )
    sync_from_folder(sessions=built.sessions, guides=built.guides, folder=tmp_path, now=clock.now())
    yield built
    built.close()


def _simulate(container: Container, count: int) -> None:
    guide = container.guides[GUIDE]
    personas = load_personas(ROOT / "examples" / "personas" / f"{GUIDE}.yaml", guide=guide)
    simulate(
        sessions=container.sessions,
        guides=container.guides,
        casting=Casting(guide=guide, personas=personas),
        count=count,
        seed=7,
        days=28,
        end=container.clock.now(),
    )


def _analyse(container: Container) -> None:
    rule = container.assignment_rule
    analyse_responses.enrich_pending(
        sessions=container.sessions, enricher=container.enricher, rule=rule, now=container.clock.now
    )
    with container.sessions.begin() as session:
        propose_themes.discover(session=session, rule=rule, now=container.clock.now(), include_simulated=True)


def test_syncing_makes_every_guide_theme_an_accepted_theme_once(container: Container) -> None:
    guide = container.guides[GUIDE]
    expected = {seed_theme_id(GUIDE, theme.id): theme.label["en"] for theme in guide.themes}
    sync_from_folder(
        sessions=container.sessions,
        guides=container.guides,
        folder=Path("/nonexistent"),
        now=container.clock.now(),
    )
    with container.sessions() as session:
        rows = {t.id: t for t in session.scalars(select(Theme).where(Theme.id.in_(expected)))}
        total = session.query(Theme).count()
    assert {i: t.label for i, t in rows.items()} == expected
    assert {t.status for t in rows.values()} == {"accepted"}
    assert total == sum(len(g.themes) for g in container.guides.values())
    late = rows[seed_theme_id(GUIDE, "late-delivery")]
    assert "retraso en la entrega" in late.keywords
    assert "never arrived" in late.keywords


def test_a_renamed_guide_theme_keeps_its_name_when_programs_sync_again(container: Container) -> None:
    theme_id = seed_theme_id(GUIDE, "price")
    with container.sessions.begin() as session:
        theme = session.get(Theme, theme_id)
        assert theme is not None
        theme.label = "price and value"
    sync_from_folder(
        sessions=container.sessions,
        guides=container.guides,
        folder=Path("/nonexistent"),
        now=container.clock.now(),
    )
    with container.sessions() as session:
        theme = session.get(Theme, theme_id)
        assert theme is not None
        assert theme.label == "price and value"


def test_500_simulated_conversations_show_the_guides_themes_with_their_volumes_in_the_list(
    container: Container,
) -> None:
    _simulate(container, 500)
    _analyse(container)
    guide = container.guides[GUIDE]
    ids = {seed_theme_id(GUIDE, theme.id): theme.id for theme in guide.themes}
    with container.sessions() as session:
        raised: Counter[str] = Counter()
        heard: dict[str, set[str]] = {key: set() for key in ids.values()}
        rows = session.execute(
            select(Response.id, Conversation.state).join(
                Conversation, Conversation.id == Response.conversation_id
            )
        )
        for response_id, state in rows:
            for key in state.get("themes_raised") or ():
                heard[key].add(response_id)
                raised[key] += 1
        coded = {
            key: set(
                session.scalars(
                    select(ThemeMention.response_id).where(ThemeMention.theme_id == theme_id).distinct()
                )
            )
            for theme_id, key in ids.items()
        }
    assert sum(raised.values()) > 500, "the simulated customers raise the guide's themes"
    for key in ids.values():
        assert heard[key] <= coded[key], f"{key}: responses the interviewer heard it in are coded into it"
    for label in ("late-delivery", "price", "delivery", "product-quality"):
        assert len(coded[label]) >= 20, label

    with container.sessions.begin() as session:
        _, key = api_keys.create_key(session=session, name="a", scopes=["read"], now=container.clock.now())
    with TestClient(create_app(container), headers={"X-API-Key": key}) as client:
        listed = client.get("/v1/themes", params={"include_simulated": "true"}).json()["themes"]
    by_label = {t["label"]: t for t in listed}
    for theme in guide.themes:
        assert by_label[theme.label["en"]]["status"] == "accepted", theme.id
        assert by_label[theme.label["en"]]["responses"] == len(coded[theme.id]), theme.id


def test_an_answer_to_a_theme_probe_is_coded_into_the_probed_theme(container: Container) -> None:
    _simulate(container, 120)
    _analyse(container)
    with container.sessions() as session:
        rows = session.execute(select(Response.id, Response.answers).where(Response.source != "import"))
        probed = [
            (response_id, answer["question"].removeprefix("probe:theme:"), answer["text"])
            for response_id, answers in rows
            for answer in answers
            if answer["question"].startswith("probe:theme:")
        ]
        assert probed, "the simulated interviews probe themes"
        checked = 0
        for response_id, key, text in probed:
            sentences = session.scalars(
                select(Sentence.id).where(Sentence.response_id == response_id, Sentence.text.in_([text]))
            ).all()
            themes = set(
                session.scalars(select(ThemeMention.theme_id).where(ThemeMention.sentence_id.in_(sentences)))
            )
            if sentences:
                checked += 1
                assert seed_theme_id(GUIDE, key) in themes, (key, text)
    assert checked
