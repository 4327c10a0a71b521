"""The data version moves with every committed change to what the workspace's figures read, and
only then: not for a rolled-back change, not for a table the figures do not read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, update

from askwhy.bootstrap import Container
from askwhy.store.data_versions import data_version
from askwhy.store.tables import Conversation, Message

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def _version(container: Container) -> int:
    with container.reads() as session:
        return data_version(session=session)


def _conversation() -> Conversation:
    return Conversation(
        program="p", guide_id="g", channel="web", status="active", language="en",
        state={}, started_at=NOW, last_activity_at=NOW,
    )  # fmt: skip


def test_an_insert_an_update_and_a_delete_each_move_the_version(container: Container) -> None:
    seen = [_version(container)]
    with container.sessions.begin() as session:
        conversation = _conversation()
        session.add(conversation)
        session.flush()
        conversation_id = conversation.id
    seen.append(_version(container))
    with container.sessions.begin() as session:
        session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(status="completed")
        )
    seen.append(_version(container))
    with container.sessions.begin() as session:
        session.execute(delete(Conversation).where(Conversation.id == conversation_id))
    seen.append(_version(container))
    assert seen == sorted(set(seen)), f"each change moves it up: {seen}"


def test_a_rolled_back_change_leaves_the_version(container: Container) -> None:
    before = _version(container)
    with container.sessions() as session:
        session.add(_conversation())
        session.flush()
        session.rollback()
    assert _version(container) == before


def test_a_table_the_figures_do_not_read_leaves_the_version(container: Container) -> None:
    with container.sessions.begin() as session:
        conversation = _conversation()
        session.add(conversation)
        session.flush()
        conversation_id = conversation.id
    before = _version(container)
    with container.sessions.begin() as session:
        session.add(
            Message(
                conversation_id=conversation_id, seq=1, direction="out", channel="web", text="hi",
                status="queued", created_at=NOW,
            )
        )  # fmt: skip
    assert _version(container) == before


def test_a_reader_sees_the_version_and_the_change_together(container: Container) -> None:
    """A read transaction opened before a change commits sees neither; one opened after sees both."""
    with container.reads() as reader:
        before = data_version(session=reader)
        with container.sessions.begin() as writer:
            writer.add(_conversation())
        assert data_version(session=reader) in (before, before + 1)  # READ COMMITTED sees it at once
    assert _version(container) > before


@pytest.mark.parametrize("rows", [1, 5])
def test_a_transaction_of_many_changes_moves_it_once_on_postgresql(container: Container, rows: int) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL adds once per transaction; SQLite once per row")
    before = _version(container)
    with container.sessions.begin() as session:
        session.add_all([_conversation() for _ in range(rows)])
    assert _version(container) == before + 1
