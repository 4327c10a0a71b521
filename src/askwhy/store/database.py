"""Engines and sessions: SQLite in WAL mode with a single writer, or PostgreSQL.

Two kinds of session share one engine: `make_sessions` for work that writes, and
`make_read_sessions` for reads. On SQLite a writing transaction takes the write turn up front
(one at a time); a reading one takes none, since readers of a WAL database see a snapshot and
never wait for the writer, so reads do not queue behind webhooks and turns.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "askwhy_read_only"
"""Execution option marking the connections of read sessions."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite, turn on WAL and make every transaction take the write lock."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=20, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    writer = _SingleWriter()
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "factory": writer.connection_class()},
        pool_size=20,
        max_overflow=20,
        **kwargs,
    )
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", writer.begin)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


class _SingleWriter:
    """One transaction at a time per process, queued fairly, then SQLite's own write lock.

    BEGIN IMMEDIATE takes SQLite's write lock up front, so two turns of one conversation can never
    interleave. Waiting first on a Python lock keeps threads of one process in a fair queue instead
    of SQLite's sleep-and-poll busy handler, which collapses under many concurrent writers; other
    processes (an `askwhy worker`) still wait on the busy timeout.

    The turn is handed on by the DBAPI connection once its COMMIT or ROLLBACK has run, not at
    SQLAlchemy's commit event, which fires before: handed on then, the next transaction's BEGIN
    would find the database still locked and sleep in the busy handler. A connection closed or
    reset by the pool ends with a rollback or a close, so it never keeps the turn either.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: sqlite3.Connection | None = None

    def connection_class(self) -> type[sqlite3.Connection]:
        writer = self

        class TurnTakingConnection(sqlite3.Connection):
            def commit(self) -> None:
                try:
                    super().commit()
                finally:
                    writer.hand_on(self)

            def rollback(self) -> None:
                try:
                    super().rollback()
                finally:
                    writer.hand_on(self)

            def close(self) -> None:
                try:
                    super().close()
                finally:
                    writer.hand_on(self)

        return TurnTakingConnection

    def begin(self, connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            _query_only(connection, True)  # a write by mistake fails instead of racing the writer
            connection.exec_driver_sql("BEGIN")
            return
        if not self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked: no write turn within the busy timeout")
        self._holder = connection.connection.dbapi_connection
        try:
            _query_only(connection, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.hand_on(self._holder)
            raise

    def hand_on(self, dbapi_connection: sqlite3.Connection | None) -> None:
        """Release the turn if ``dbapi_connection`` holds it."""
        if dbapi_connection is not None and self._holder is dbapi_connection:
            self._holder = None
            self._lock.release()


def _query_only(connection: Any, wanted: bool) -> None:
    """Set SQLite's query_only pragma on the connection, if it is not set so already."""
    info = connection.info  # kept with the DBAPI connection across checkouts
    if info.get("query_only", False) != wanted:
        connection.exec_driver_sql(f"PRAGMA query_only={int(wanted)}")
        info["query_only"] = wanted


AFTER_COMMIT = "askwhy.after_commit"


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    sessions = sessionmaker(engine, expire_on_commit=False)
    event.listen(sessions, "after_commit", _run_after_commit)
    event.listen(sessions, "after_soft_rollback", _forget_after_commit)
    return sessions


def make_read_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read: no write turn on SQLite, a READ ONLY transaction on PostgreSQL."""
    options: dict[str, Any] = {READ_ONLY: True}
    if not is_sqlite(engine):
        options["postgresql_readonly"] = True
    return sessionmaker(engine.execution_options(**options), expire_on_commit=False)


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's transaction has committed; never if it rolls back.

    Used to enqueue background work only for data that is really stored.
    """
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released (SQLAlchemy calls that a commit too): wait for the real one
    for callback in session.info.pop(AFTER_COMMIT, []):
        callback()


def _forget_after_commit(session: Session, _previous: Any) -> None:
    if not session.in_transaction():
        session.info.pop(AFTER_COMMIT, None)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
