"""Raw transcript retention: past it, every copy of a customer's words is the redacted one."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import LargeBinary, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from askwhy import conversations
from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.conversations.turns import store_inbound
from askwhy.domain.conversation import Channel, Inbound
from askwhy.insights import analyse_responses
from askwhy.privacy import retention
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.analysis_tables import ResponseAnalysis, Sentence
from askwhy.store.base import Base
from askwhy.store.registry import import_all_tables
from askwhy.store.tables import Conversation, Message, Response
from askwhy.tasks import conversations as conversation_tasks
from askwhy.tasks import retention as retention_tasks

EMAIL = "zebedee.quill@example.org"
PHONE = "(415) 555-0134"
WORDS = f"The courier left it in the rain. Mail me at {EMAIL} or call {PHONE} about the refund."
NEWER_EMAIL = "marigold.finch@example.net"


@pytest.fixture
def container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    built = bootstrap(settings, clock=clock, embedder=HashingEmbedder())
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def converse(client: TestClient, *replies: str) -> str:
    """A web chat conversation with these replies; returns its id (still open)."""
    started = client.post("/v1/conversations", json={"program": "post-checkout"})
    assert started.status_code == 201, started.text
    conversation_id: str = started.json()["conversation_id"]
    token = {"Authorization": f"Bearer {started.json()['token']}"}
    for text in replies:
        said = client.post(
            f"/v1/conversations/{conversation_id}/messages", json={"text": text}, headers=token
        )
        assert said.status_code == 200, said.text
    return conversation_id


def close_idle(container: Container, clock: FakeClock, *only: str) -> None:
    """The customer went quiet: the conversation is abandoned, then analysed (inline in tests)."""
    clock.advance(hours=3)
    if not only:
        assert conversation_tasks.close_idle(container) >= 1
    for conversation_id in only:
        with container.sessions.begin() as session:
            assert conversations.close_if_idle(
                session=session, guides=container.guides, conversation_id=conversation_id, now=clock.now()
            )


def stored_text(container: Container) -> str:
    """Every stored value of every table, as one text."""
    import_all_tables()
    values: list[str] = []
    with container.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if not isinstance(c.type, LargeBinary)]
            for row in connection.execute(select(*columns)):
                values.extend(str(value) for value in row if value is not None)
    return "\n".join(values)


def purge(container: Container) -> retention.Purge:
    return retention_tasks.purge(container)


def test_past_the_retention_every_raw_copy_is_replaced_by_the_redacted_one(
    client: TestClient, container: Container, clock: FakeClock
) -> None:
    conversation_id = converse(client, "3", WORDS)
    close_idle(container, clock)
    before = stored_text(container)
    assert EMAIL in before, "the test should have stored the raw words"
    assert PHONE in before
    with container.sessions() as session:
        assert session.get(ResponseAnalysis, _response(session, conversation_id).id) is not None

    clock.advance(days=89)
    assert purge(container) == retention.Purge()
    clock.advance(days=2)
    assert purge(container) == retention.Purge(responses=1, messages=2)

    after = stored_text(container)
    for secret in (EMAIL, "zebedee", PHONE, "555-0134"):
        assert secret not in after, f"{secret!r} is still stored"
    with container.sessions() as session:
        response = _response(session, conversation_id)
        redacted = "The courier left it in the rain. Mail me at [email] or call [phone] about the refund."
        assert response.comment == f"3\n{redacted}"
        assert [answer["text"] for answer in response.answers] == ["3", redacted]
        assert response.raw_purged_at == clock.now()
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        assert conversation.state["answers"][-1]["text"] == redacted
        assert [m.text for m in _messages(session, conversation_id, "in")] == ["3", redacted]
        assert all("[email]" not in m.text for m in _messages(session, conversation_id, "out"))
        # Analysis keeps what it had and does not start again on the redacted words.
        assert analyse_responses.pending_responses(session=session) == []
        assert session.scalars(select(Sentence).where(Sentence.response_id == response.id)).all()
    assert purge(container) == retention.Purge()


def test_newer_and_open_conversations_keep_their_raw_words(
    client: TestClient, container: Container, clock: FakeClock
) -> None:
    old = converse(client, "2", WORDS)
    open_one = converse(client, "4", f"Still waiting, write to {NEWER_EMAIL}")
    close_idle(container, clock, old)  # the other is still open (the idle sweep has not run)
    clock.advance(days=60)
    newer = converse(client, "5", f"Newer: {NEWER_EMAIL}")
    close_idle(container, clock, newer)
    clock.advance(days=40)

    assert purge(container) == retention.Purge(responses=1, messages=2)
    with container.sessions() as session:
        assert EMAIL not in _response(session, old).comment
        assert NEWER_EMAIL in _response(session, newer).comment
        assert _response(session, newer).raw_purged_at is None
        assert session.get(Conversation, open_one).status == "active"  # type: ignore[union-attr]
        assert NEWER_EMAIL in _response(session, open_one).comment
        for conversation_id in (newer, open_one):
            assert any(NEWER_EMAIL in m.text for m in _messages(session, conversation_id, "in"))


def test_a_response_not_yet_analysed_keeps_its_raw_words(
    client: TestClient, container: Container, clock: FakeClock
) -> None:
    conversation_id = converse(client, "3", WORDS)
    close_idle(container, clock)
    with container.sessions.begin() as session:
        response = _response(session, conversation_id)
        response.updated_at = clock.advance(minutes=1)  # changed since analysed: waits for enrichment
    clock.advance(days=120)
    assert purge(container) == retention.Purge()
    assert EMAIL in stored_text(container)


def test_a_message_arriving_after_the_purge_is_purged_in_its_turn(
    client: TestClient, container: Container, clock: FakeClock
) -> None:
    conversation_id = converse(client, "3", WORDS)
    close_idle(container, clock)
    clock.advance(days=91)
    assert purge(container).messages == 2
    with container.sessions.begin() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        inbound = Inbound(text=f"PS: {NEWER_EMAIL}")
        store_inbound(
            session=session, conversation=conversation, inbound=inbound, channel=Channel.WEB, now=clock.now()
        )
    assert purge(container) == retention.Purge()
    clock.advance(days=91)
    assert purge(container) == retention.Purge(messages=1)
    assert NEWER_EMAIL not in stored_text(container)


def test_keeping_none_purges_as_soon_as_the_response_is_analysed(
    settings: Settings, clock: FakeClock
) -> None:
    keeping_none = settings.model_copy(update={"raw_transcript_retention_days": 0})
    built = bootstrap(keeping_none, clock=clock, embedder=HashingEmbedder())
    try:
        with TestClient(create_app(built)) as client:
            conversation_id = converse(client, "3", WORDS)
            assert EMAIL in stored_text(built), "an open conversation keeps its words until it closes"
            close_idle(built, clock)
        assert EMAIL not in stored_text(built)
        assert PHONE not in stored_text(built)
        with built.sessions() as session:
            response = _response(session, conversation_id)
            assert response.raw_purged_at == clock.now()
            assert session.get(ResponseAnalysis, response.id) is not None
    finally:
        built.close()


def test_the_purge_is_registered_to_run_every_hour(container: Container) -> None:
    assert container.jobs.has(retention_tasks.PURGE_RAW_TRANSCRIPTS)
    day = datetime(2026, 1, 5)
    runs = [
        minute
        for minute in range(24 * 60)
        for task in container.jobs.huey.read_periodic(day + timedelta(minutes=minute))
        if task.name == retention_tasks.PURGE_RAW_TRANSCRIPTS
    ]
    assert len(runs) == 24
    assert {later - earlier for earlier, later in itertools.pairwise(runs)} == {60}


def test_the_cli_purges_on_demand_and_summarises(
    client: TestClient,
    container: Container,
    clock: FakeClock,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from askwhy.cli import app
    from askwhy.cli.context import console

    monkeypatch.setattr(console, "width", 200)
    conversation_id = converse(client, "3", WORDS)
    close_idle(container, clock)  # the fake clock is months behind the CLI's real one
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASKWHY_GUIDES_DIR", str(settings.guides_dir))
    runner = CliRunner()
    result = runner.invoke(app, ["retention", "purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "older than 30 days" in result.output
    assert "responses (comment and answers)" in result.output
    assert "customer messages" in result.output
    with container.sessions() as session:
        assert EMAIL not in _response(session, conversation_id).comment
    again = runner.invoke(app, ["retention", "purge"])
    assert again.exit_code == 0, again.output
    assert "older than 90 days" in again.output


def _response(session: Session, conversation_id: str) -> Response:
    return session.scalars(select(Response).where(Response.conversation_id == conversation_id)).one()


def _messages(session: Session, conversation_id: str, direction: str) -> list[Message]:
    query = select(Message).where(Message.conversation_id == conversation_id, Message.direction == direction)
    return list(session.scalars(query.order_by(Message.seq)))


def test_past_the_retention_the_raw_words_are_in_no_file_of_the_data_folder(
    client: TestClient, container: Container, clock: FakeClock, settings: Settings
) -> None:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("the files of a PostgreSQL server are not askwhy's to read; its tables are vacuumed")
    converse(client, "3", WORDS)
    close_idle(container, clock)
    clock.advance(days=91)
    assert purge(container) == retention.Purge(responses=1, messages=2)
    for path in (p for p in settings.data_dir.rglob("askwhy.db*") if p.is_file()):
        data = path.read_bytes()
        for secret in (EMAIL, PHONE):
            for codec in ("utf-8", "utf-16-le"):
                assert secret.encode(codec) not in data, f"{secret!r} is still in {path.name}"


def test_dead_letters_are_kept_no_longer_than_raw_transcripts(container: Container, clock: FakeClock) -> None:
    from askwhy.store.dead_letters import add_dead_letter, dead_letters
    from askwhy.store.inbox import Delivery

    with container.sessions.begin() as session:
        add_dead_letter(
            session=session,
            delivery=Delivery(channel="whatsapp", body=WORDS.encode(), received_at=clock.now()),
            reason="unreadable",
            attempts=5,
            last_seen=clock.now(),
        )
    clock.advance(days=89)
    purge(container)
    with container.sessions() as session:
        assert len(dead_letters(session=session)) == 1
    clock.advance(days=2)
    purge(container)
    with container.sessions() as session:
        assert dead_letters(session=session) == []
