"""The schema: migrations match the models, constraints hold, SQLite runs in WAL mode."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from askwhy.bootstrap import Container
from askwhy.store.base import Base
from askwhy.store.inbox import managed_by_migrations
from askwhy.store.registry import import_all_tables
from askwhy.store.tables import Conversation, Message

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def test_migrations_produce_exactly_the_models(engine: Engine) -> None:
    import_all_tables()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": managed_by_migrations}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "models and migrations differ: add a migration"


def _conversation() -> Conversation:
    return Conversation(
        program="p", guide_id="g", channel="whatsapp", status="active", language="en",
        state={}, started_at=NOW, last_activity_at=NOW,
    )  # fmt: skip


def _message(conversation_id: str, seq: int, provider_id: str | None) -> Message:
    return Message(
        conversation_id=conversation_id, seq=seq, direction="in", channel="whatsapp", text="hi",
        provider_message_id=provider_id, status="received", created_at=NOW,
    )  # fmt: skip


def test_provider_message_id_is_unique_per_channel(container: Container) -> None:
    with container.sessions.begin() as session:
        conversation = _conversation()
        session.add(conversation)
        session.flush()
        session.add(_message(conversation.id, 1, "wamid.1"))
        conversation_id = conversation.id
    with pytest.raises(IntegrityError), container.sessions.begin() as session:
        session.add(_message(conversation_id, 2, "wamid.1"))


def test_messages_without_provider_id_do_not_collide(container: Container) -> None:
    with container.sessions.begin() as session:
        conversation = _conversation()
        session.add(conversation)
        session.flush()
        session.add_all([_message(conversation.id, 1, None), _message(conversation.id, 2, None)])


def test_sqlite_runs_in_wal_mode(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_naive_datetimes_are_refused(container: Container) -> None:
    conversation = _conversation()
    conversation.started_at = datetime(2026, 1, 1)
    with container.sessions() as session:
        session.add(conversation)
        with pytest.raises(Exception, match="naive datetime"):
            session.flush()


def test_every_revision_id_fits_alembic_version_on_postgresql() -> None:
    """PostgreSQL's alembic_version column is VARCHAR(32): a longer id passes on SQLite, then fails
    the upgrade on PostgreSQL with the revision half applied."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from askwhy.store import migrate

    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    revisions = [script.revision for script in ScriptDirectory.from_config(config).walk_revisions()]
    assert revisions
    assert [revision for revision in revisions if len(revision) > 32] == []
