"""Work handed out on commit waits for the real commit, not a savepoint's release."""

from __future__ import annotations

from sqlalchemy import text

from askwhy.bootstrap import Container
from askwhy.store.database import on_commit


def test_a_released_savepoint_does_not_run_the_commit_callbacks(container: Container) -> None:
    ran: list[str] = []
    with container.sessions.begin() as session:
        on_commit(session, lambda: ran.append("before the savepoint"))
        with session.begin_nested():
            session.execute(text("SELECT 1"))
            on_commit(session, lambda: ran.append("inside the savepoint"))
        assert ran == []
    assert ran == ["before the savepoint", "inside the savepoint"]


def test_a_rollback_runs_none_of_them(container: Container) -> None:
    ran: list[str] = []
    session = container.sessions()
    session.begin()
    on_commit(session, lambda: ran.append("never"))
    session.rollback()
    session.begin()
    session.commit()
    session.close()
    assert ran == []
