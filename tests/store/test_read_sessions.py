"""Read sessions see committed data, never wait for a writer, and refuse to write."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from askwhy.bootstrap import Container

INSERT = text("INSERT INTO contacts (id, attributes, created_at) VALUES (:id, '{}', '2026-01-01')")


def test_a_read_goes_ahead_while_a_writer_holds_the_write_turn(container: Container) -> None:
    writing, read_done = threading.Event(), threading.Event()
    seen: list[int] = []

    def reader() -> None:
        writing.wait()
        with container.reads.begin() as session:
            seen.append(session.execute(text("SELECT count(*) FROM contacts")).scalar_one())
        read_done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    with container.sessions.begin() as session:
        session.execute(INSERT, {"id": "c-1"})
        writing.set()
        # The writer keeps its transaction open until the read has finished: a read that needed
        # the write turn would wait here for ever (until its timeout).
        assert read_done.wait(timeout=10)
    thread.join()
    assert seen == [0]  # the uncommitted row is not visible
    with container.reads.begin() as session:
        assert session.execute(text("SELECT count(*) FROM contacts")).scalar_one() == 1


def test_a_read_session_refuses_to_write(container: Container) -> None:
    with pytest.raises(DBAPIError), container.reads.begin() as session:
        session.execute(INSERT, {"id": "c-2"})
    with container.sessions.begin() as session:
        session.execute(INSERT, {"id": "c-3"})
    with container.reads.begin() as session:
        assert session.execute(text("SELECT id FROM contacts")).scalars().all() == ["c-3"]
