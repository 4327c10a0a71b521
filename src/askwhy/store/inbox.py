"""The webhook inbox: provider deliveries kept as received, the moment they arrive, until they are
stored as messages and statuses.

A webhook's 200 must mean "kept": the inbox is where it is kept. Writing one row of raw bytes
needs no routing, no conversation lock and, on SQLite, not the database's single write turn: the
inbox is a SQLite file of its own beside the database, so a provider's delivery never waits for
the interviewer's turns or the outbox. On PostgreSQL the inbox is a table in the database, and a
delivery is taken from it and stored in one transaction.

The inbox is a buffer, not part of the data model: a delivery stays for as long as it takes to
store it (milliseconds), or, should that fail, until a retry succeeds. So its one table is created
when the inbox is opened, outside the migrations (on PostgreSQL askwhy's database user needs the
right to create it), and a change to it must wait for an empty inbox.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import Insert

from askwhy.store.base import UTCDateTime
from askwhy.store.database import make_engine, make_read_sessions
from askwhy.store.writer_lock import lock_file

if sys.platform != "win32":
    import fcntl

metadata = MetaData()
deliveries = Table(
    "webhook_inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(20), nullable=False),
    Column("body", LargeBinary, nullable=False, comment="The delivery's bytes, as the provider sent them."),
    Column("query", Text, comment="The query string of the URL the provider called, if it matters."),
    Column("received_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0, comment="Failed tries to store it."),
    Column("retry_at", UTCDateTime, comment="After a failed try: when to try again."),
    Column("last_error", Text),
)
Index("ix_webhook_inbox_retry_at", deliveries.c.retry_at)
FILE_BUSY_TIMEOUT_MS = 2_000
"""How long the storer waits for the inbox file at most. The server keeps deliveries on its event
loop without waiting (`askwhy.service.intake`: a locked file is tried again a moment later, and a
delivery not kept in time gets 503); the storer holds the file for a millisecond at a time."""
UNAVAILABLE = (OperationalError, sqlite3.OperationalError)
"""The database busy or gone (a write turn not had in time comes as sqlite3's own error): no
delivery is to blame, so none is marked failed; they stay kept and are tried again."""
CHECKPOINT_EVERY = 500
"""Deliveries through the inbox file between two checkpoints: a few hundred kilobytes of log."""
LOG_SIZE_LIMIT = 0
"""Bytes of write-ahead log left on disk once a checkpoint let it start afresh: none, so that
deliveries already stored (and erased customers' ones) do not linger in it."""


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One provider delivery, as received."""

    channel: str
    body: bytes
    received_at: datetime
    query: str = ""
    """The query string of the URL the provider called (Twilio's status callbacks carry a key in it)."""


@dataclass(frozen=True, kw_only=True)
class Kept(Delivery):
    """A delivery in the inbox, with its place in the order of arrival."""

    id: int
    attempts: int = 0


class Inbox:
    """Puts deliveries in, takes them out in order of arrival, removes them once stored."""

    def __init__(self, engine: Engine, *, path: Path | None = None) -> None:
        self.engine = engine
        self.path = path
        """The inbox file, when it is one of its own (SQLite); None for a table of the database."""
        self.sessions = sessionmaker(engine)
        self._storing = threading.Lock()
        self._removed = 0
        self._storer_file = (
            lock_file(self, path, "-storer") if path is not None and os.name == "posix" else None
        )
        self.reads = make_read_sessions(engine)
        """For taking deliveries out of a file of its own: a read does not hold up keeping more."""
        _create_once_among_processes(engine)

    @property
    def shares_database(self) -> bool:
        """True when the inbox is a table of the database itself (PostgreSQL): taking a delivery
        out and storing it are then one transaction."""
        return self.path is None

    def put(self, batch: list[Delivery]) -> list[bool]:
        """Keep every delivery of ``batch`` in one transaction (a plain executemany: this is the
        webhooks' hot path); returns True for each."""
        with self.engine.begin() as connection:
            connection.execute(
                _insert(),
                [
                    {"channel": d.channel, "body": d.body, "query": d.query, "received_at": d.received_at}
                    for d in batch
                ],
            )
        return [True] * len(batch)

    def take(self, *, session: Session, now: datetime, limit: int, only: int | None = None) -> list[Kept]:
        """The oldest deliveries due for storing (``only`` that one, if it is due); on a shared
        database they are locked until ``session`` ends, and those another server is storing
        are left to it."""
        query = (
            select(deliveries)
            .where(or_(deliveries.c.retry_at.is_(None), deliveries.c.retry_at <= now))
            .order_by(deliveries.c.id)
            .limit(limit)
        )
        if only is not None:
            query = query.where(deliveries.c.id == only)
        if self.shares_database:
            query = query.with_for_update(skip_locked=True)
        return _kept(session, query)

    def remove(self, *, session: Session, ids: list[int]) -> None:
        if ids:
            session.execute(delete(deliveries).where(deliveries.c.id.in_(ids)))

    def retry_later(self, *, session: Session, kept: Kept, error: str, at: datetime) -> None:
        """Record a failed try; the delivery stays, to be tried again from ``at``."""
        session.execute(
            update(deliveries)
            .where(deliveries.c.id == kept.id)
            .values(attempts=deliveries.c.attempts + 1, retry_at=at, last_error=error[:2000])
        )

    @contextmanager
    def storing(self, *, wait: bool = True) -> Iterator[bool]:
        """Held while deliveries are taken out and stored: one storer at a time, across threads
        and processes; yields False, without waiting, if ``wait`` is off and another holds it.
        Needed for a file of its own only: on a shared database each storer locks the rows it
        takes, and leaves those locked to the others."""
        if self.path is None:
            yield True
            return
        if not self._storing.acquire(blocking=wait):
            yield False
            return
        file = self._storer_file
        try:
            ours = file is None or _flock(file, wait=wait)
            try:
                yield ours
            finally:
                if ours and file is not None:
                    fcntl.flock(file, fcntl.LOCK_UN)
        finally:
            self._storing.release()

    def changes(self) -> Callable[[], int]:
        """A counter that moves whenever another connection commits to the inbox file (SQLite's
        data_version): reading it is cheap enough to do every few milliseconds."""
        if self.path is None:
            raise ValueError("changes are watched on an inbox file only")
        watcher = sqlite3.connect(self.path, check_same_thread=False)
        weakref.finalize(self, watcher.close)
        return lambda: int(watcher.execute("PRAGMA data_version").fetchone()[0])

    def checkpoint_now_and_then(self, removed: int) -> None:
        """After ``removed`` deliveries left the inbox file: copy its write-ahead log into it
        once enough went through (`CHECKPOINT_EVERY`), without waiting for, or holding up, a
        delivery being kept.

        The file is opened with SQLite's automatic checkpoints off: those run within the commit
        that fills the log, fsyncs and all, which would often be one of the server's, holding up
        every webhook waiting to be kept."""
        if self.path is None:
            return
        self._removed += removed  # by the one storer at a time (`storing`)
        if self._removed < CHECKPOINT_EVERY:
            return
        self._removed = 0
        connection = self.engine.raw_connection()  # outside any transaction, as SQLite requires
        try:
            connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
        finally:
            connection.close()

    def everything(self, *, session: Session) -> list[Kept]:
        """Every kept delivery, due or not (a few rows: what is not stored yet, and what failed
        to store); on a shared database locked, waiting for those a storer holds."""
        query = select(deliveries).order_by(deliveries.c.id)
        if self.shares_database:
            query = query.with_for_update()
        return _kept(session, query)

    def count(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(deliveries)) or 0)


def _kept(session: Session, query: Select[Any]) -> list[Kept]:
    return [
        Kept(
            channel=r.channel,
            body=r.body,
            query=r.query or "",
            received_at=r.received_at,
            id=r.id,
            attempts=r.attempts,
        )
        for r in session.execute(query)
    ]


INBOX_DDL_LOCK = 0x61736B77_696E6278
"""PostgreSQL advisory lock key (``askwinbx``) held while the inbox table is created or altered."""


def _create_once_among_processes(engine: Engine) -> None:
    """Create the inbox table, and add the columns added since, one process at a time: `askwhy
    serve` and `askwhy worker`s starting together on a new PostgreSQL database each opened the
    inbox and created its table at once, and all but one failed (a duplicate key in pg_type)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INBOX_DDL_LOCK})
        metadata.create_all(connection, checkfirst=True)
        _add_missing_columns(connection)


def _add_missing_columns(connection: Connection) -> None:
    """Columns added since an inbox was first created (the table is outside the migrations)."""
    present = {column["name"] for column in inspect(connection).get_columns(deliveries.name)}
    if "query" not in present:
        connection.exec_driver_sql(f"ALTER TABLE {deliveries.name} ADD COLUMN query TEXT")


def _flock(file: int, *, wait: bool) -> bool:
    """Take the lock file; False if ``wait`` is off and another holds it. Waiting releases the
    GIL, and a storer's batch is short."""
    try:
        fcntl.flock(file, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


@functools.cache
def _insert() -> Insert:
    return insert(deliveries)


def retry_delay(attempts: int) -> timedelta:
    """How long a delivery that failed ``attempts`` times waits: 5 s, doubling, an hour at most."""
    return timedelta(seconds=min(3600.0, 5.0 * 2 ** max(attempts - 1, 0)))


def open_inbox(database: Engine) -> Inbox:
    """The inbox for a database: a file beside it for SQLite, a table in it for PostgreSQL."""
    url = database.url
    if url.get_backend_name() != "sqlite":
        return Inbox(database)
    if not url.database or url.database == ":memory:":
        raise ValueError("a webhook inbox needs a SQLite database file")
    path = Path(url.database)
    inbox_path = path.with_name(path.stem + "-inbox.db")
    engine = make_engine(f"sqlite:///{inbox_path}", busy_timeout_ms=FILE_BUSY_TIMEOUT_MS)
    event.listen(engine, "connect", _no_automatic_checkpoints)
    return Inbox(engine, path=inbox_path)


def _no_automatic_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")  # see `Inbox.checkpoint_now_and_then`
    # Once a checkpoint has copied the log in, the next write starts the log afresh and cuts the
    # file back: it never holds more than the deliveries since the last checkpoint.
    dbapi_connection.execute(f"PRAGMA journal_size_limit={LOG_SIZE_LIMIT}")


def managed_by_migrations(name: str | None, kind: str, parents: Mapping[Any, str | None]) -> bool:
    """Alembic's ``include_name``: False for the inbox's table and index, which the migrations
    leave alone (on PostgreSQL they sit in the database beside the migrated tables)."""
    table = name if kind == "table" else parents.get("table_name")
    return table != deliveries.name
