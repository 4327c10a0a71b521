"""Detection runs by itself: closing the conversations that cross the threshold raises the alert in the
analysis that follows (the real queue, inline), with no command run and no time passing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy import conversations
from askwhy.alerts.pool_discovery import POOL_MARK
from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store import alerts
from askwhy.store.alert_tables import AlertRow
from askwhy.store.analysis_tables import Theme
from askwhy.tasks.alerts import DETECT_EMERGING, DETECT_SWEEP, DISCOVER_THEMES
from tests.alerts.streams import CRASHES, LATE, PROGRAM, add_late_theme, import_today, seed_history

pytest_plugins = ("tests.insights.fixtures",)

LATE_COMMENTS = [
    "The delivery came late, write to me at sam.lee@example.org",
    "The delivery came late and the box was wet",
    "The delivery came late without any warning",
    "Why was the delivery late again",
    "The delivery came very late this week",
    "The delivery came late, the courier was lost",
    "My delivery came late for the second time",
    "The delivery came so late I had left home",
]


def converse(container: Container, comments: list[str]) -> list[str]:
    """One web chat conversation per comment: the customer gives a score, then the comment."""
    ids = []
    with TestClient(create_app(container)) as client:
        for comment in comments:
            started = client.post("/v1/conversations", json={"program": PROGRAM})
            assert started.status_code == 201, started.text
            conversation_id = started.json()["conversation_id"]
            token = {"Authorization": f"Bearer {started.json()['token']}"}
            for text in ("3", comment):
                said = client.post(
                    f"/v1/conversations/{conversation_id}/messages", json={"text": text}, headers=token
                )
                assert said.status_code == 200, said.text
            ids.append(conversation_id)
    return ids


def close_together(container: Container, conversation_ids: list[str]) -> None:
    """The customers went quiet: the idle sweep closes their conversations in one transaction."""
    clock = container.clock
    assert isinstance(clock, FakeClock)
    clock.advance(hours=3)
    with container.sessions.begin() as session:
        for conversation_id in conversation_ids:
            assert conversations.close_if_idle(
                session=session, guides=container.guides, conversation_id=conversation_id, now=clock.now()
            )


def alert_rows(container: Container) -> list[AlertRow]:
    with container.reads() as session:
        return list(session.scalars(select(AlertRow)))


def test_the_tasks_are_registered(insights_container: Container) -> None:
    assert all(insights_container.jobs.has(name) for name in (DETECT_EMERGING, DETECT_SWEEP, DISCOVER_THEMES))


def test_closing_the_crossing_conversations_raises_the_alert_by_itself(
    insights_container: Container, tmp_path: Path
) -> None:
    container = insights_container
    add_late_theme(container)
    seed_history(container)
    import_today(container, tmp_path, late=2, others=30)  # today so far: 6%, about the usual
    ids = converse(container, LATE_COMMENTS)
    assert alert_rows(container) == []

    close_together(container, ids)  # the analysis of these responses, and only it, runs detection

    [row] = alert_rows(container)
    assert (row.kind, row.subject, row.program, row.state) == ("rising_theme", LATE, PROGRAM, "open")
    assert row.opened_at == container.clock.now(), "raised in the analysis run itself, not a minute later"
    quotes = " ".join(q["text"] for q in row.evidence["quotes"])
    assert "delivery came late" in quotes
    assert "sam.lee@example.org" not in str(row.evidence)


def test_discovery_runs_by_itself_once_the_pool_has_grown_and_a_new_theme_alerts(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    container = bootstrap(
        settings.model_copy(update={"discovery_every_unassigned": 10}),
        clock=clock,
        embedder=HashingEmbedder(),
    )
    try:
        add_late_theme(container)
        seed_history(container)
        import_today(container, tmp_path, late=2, others=24, extra=CRASHES)  # 48 sentences no theme explains
        assert proposed(container) == []

        container.jobs.enqueue(DETECT_SWEEP)  # what the worker's scheduler does every minute

        assert proposed(container), "discovery proposed themes from the pool"
        kinds = {(row.kind, row.subject) for row in alert_rows(container)}
        assert {kind for kind, _ in kinds} == {"new_theme"}
        assert {subject for _, subject in kinds} <= set(proposed(container))
        with container.reads() as session:
            assert alerts.mark(session=session, name=POOL_MARK) is not None
    finally:
        container.close()


def proposed(container: Container) -> list[str]:
    with container.reads() as session:
        return list(
            session.scalars(select(Theme.id).where(Theme.status == "proposed", Theme.parent_id.is_(None)))
        )
