"""Engines and sessions: SQLite in WAL mode with a single writer, or PostgreSQL.

Two kinds of session share one engine: `make_sessions` for work that writes, and
`make_read_sessions` for reads. On SQLite a writing transaction takes the write turn up front
(one at a time); a reading one takes none, since readers of a WAL database see a snapshot and
never wait for the writer, so reads do not queue behind webhooks and turns.
"""

from __future__ import annotations

import functools
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from askwhy.store.private_files import private_file
from askwhy.store.stale_connections import check_connections_idle_for_a_while
from askwhy.store.writer_lock import FileTurn, WriteTurn

SQLITE_BUSY_TIMEOUT_MS = 30_000
T = TypeVar("T")
READ_ONLY = "askwhy_read_only"
"""Execution option marking the connections of read sessions."""
LOCK_WAIT: ContextVar[float | None] = ContextVar("askwhy_lock_wait", default=None)
"""Seconds a transaction begun in this context waits for a lock at most (SQLite's write turn, a
PostgreSQL lock); None for the engine's own timeout. Requests set it (`lock_waits_at_most`), so
that a locked database answers them 503 in time while workers keep waiting their turn."""


@contextmanager
def lock_waits_at_most(seconds: float) -> Iterator[None]:
    """Within this block, a transaction that waits longer than ``seconds`` for a lock fails
    (`TurnTimeout` or "database is locked" on SQLite, ``lock_timeout`` on PostgreSQL)."""
    token = LOCK_WAIT.set(seconds)
    try:
        yield
    finally:
        LOCK_WAIT.reset(token)


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite, turn on WAL and make every writing transaction take the write
    turn, waiting at most ``busy_timeout_ms`` for it."""
    parsed = make_url(url)
    # A statement's parameters are customers' words and addresses: never in an error or a log line.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() != "sqlite":
        postgresql = parsed.get_backend_name() == "postgresql"
        if postgresql:
            kwargs["connect_args"] = _without_jit(kwargs.get("connect_args", {}))
        # PostgreSQL: only connections idle for a while are checked, not one per transaction
        engine = create_engine(url, pool_pre_ping=not postgresql, pool_size=20, max_overflow=20, **kwargs)
        if postgresql:
            check_connections_idle_for_a_while(engine)
        event.listen(engine, "begin", _bounded_lock_waits)
        return engine
    path = Path(parsed.database) if parsed.database and parsed.database != ":memory:" else None
    if path is not None:
        private_file(path)  # before SQLite makes it: its log files take the database file's mode
    writer = WriteTurn(
        timeout=busy_timeout_ms / 1000,
        between_processes=FileTurn(path) if path is not None and os.name == "posix" else None,
    )
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "factory": writer.connection_class()},
        pool_size=20,
        max_overflow=20,
        **kwargs,
    )
    event.listen(engine, "connect", functools.partial(_configure_sqlite, busy_timeout_ms=busy_timeout_ms))
    event.listen(engine, "begin", _begin(writer, busy_timeout_ms=busy_timeout_ms))
    return engine


def _without_jit(connect_args: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL connections with JIT compilation off. Its threshold is a plan's estimated cost, and
    a page's statement over 100,000 rows passes it though it runs in tens of milliseconds: the
    funnel's count of conversations took 41 ms and spent 60-110 ms more compiling itself."""
    options = " ".join(part for part in (connect_args.get("options", ""), "-c jit=off") if part)
    return {**connect_args, "options": options}


def _configure_sqlite(dbapi_connection: Any, _record: Any, *, busy_timeout_ms: int) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see _begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted content is zeroed, whatever the default
    # Statement journals, sorts and temporary tables in memory, never in files of /var/tmp: with the
    # day tallies' triggers every multi-row write journals its statement, which wrote ten times
    # the pages of the database itself there (`askwhy analyze`, 3,000 reviews: 1.0 million
    # writes against 0.1 million), and a temporary file would hold copies of customers' words
    # outside the database that erasure cleans.
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _bounded_lock_waits(connection: Any) -> None:
    """PostgreSQL: within `lock_waits_at_most`, the transaction waits that long for a lock at most."""
    limit = LOCK_WAIT.get()
    if limit is not None:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(limit * 1000))}")


def _begin(turn: WriteTurn, *, busy_timeout_ms: int) -> Callable[[Any], None]:
    """The engine's begin: a read begins at once; a write takes the turn, then SQLite's lock.

    BEGIN IMMEDIATE takes SQLite's write lock up front, so two turns of one conversation can never
    interleave, and a transaction never fails half-way for want of the lock."""

    def begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            _query_only(connection, True)  # a write by mistake fails instead of racing the writer
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        limit, started = LOCK_WAIT.get(), time.monotonic()
        turn.take(dbapi_connection, timeout=limit)
        try:
            _query_only(connection, False)
            if limit is None:
                _busy_timeout(connection, busy_timeout_ms)
            else:  # what is left of the limit after the turn was had
                _busy_timeout(connection, max(0, int((limit - (time.monotonic() - started)) * 1000)))
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            turn.hand_on(dbapi_connection)
            raise

    return begin


def _busy_timeout(connection: Any, wanted_ms: int) -> None:
    """Set SQLite's busy timeout on the connection, if it is not set so already (see `LOCK_WAIT`)."""
    info = connection.info
    if info.setdefault("busy_timeout_ms", None) != wanted_ms:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={wanted_ms}")
        info["busy_timeout_ms"] = wanted_ms


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


RETRIED_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: it aborted the transaction to let
another finish, and the same work run again succeeds."""


def run_again_if_aborted(work: Callable[[], T], *, attempts: int = 5) -> T:
    """Run ``work`` (one transaction), again when PostgreSQL aborted it to break a deadlock.

    After a short random wait, longer each time, so that the two sides of a deadlock do not meet
    again at once."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if attempt == attempts or getattr(exc.orig, "sqlstate", None) not in RETRIED_SQLSTATES:
                raise
            time.sleep(random.uniform(0, 0.02 * attempt))
    raise AssertionError("unreachable")  # pragma: no cover


LOCK_NOT_AVAILABLE = "55P03"
"""PostgreSQL's lock_not_available: a statement waited for a row lock past ``lock_timeout``."""


def waited_past_lock_timeout(exc: BaseException) -> bool:
    """True when ``exc`` is PostgreSQL giving up a lock wait at ``lock_timeout``: another transaction
    held the row that long (a slow turn on a busy machine), and the same work later succeeds."""
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
