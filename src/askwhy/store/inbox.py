"""The webhook inbox: provider deliveries kept as received, the moment they arrive, until they are
stored as messages and statuses.

A webhook's 200 must mean "kept": the inbox is where it is kept. Writing one row of raw bytes
needs no routing, no conversation lock and, on SQLite, not the database's single write turn: the
inbox is a SQLite file of its own beside the database, so a provider's delivery never waits for
the interviewer's turns or the outbox. On PostgreSQL the inbox is a table in the database, and a
delivery is taken from it and stored in one transaction.

The inbox is a buffer, not part of the data model: rows live for as long as it takes to store
them (milliseconds), so its one table is created when the inbox is opened, outside the migrations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from askwhy.store.base import UTCDateTime
from askwhy.store.database import make_engine

metadata = MetaData()
deliveries = Table(
    "webhook_inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(20), nullable=False),
    Column("body", LargeBinary, nullable=False, comment="The delivery's bytes, as the provider sent them."),
    Column("received_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0, comment="Failed tries to store it."),
    Column("retry_at", UTCDateTime, comment="After a failed try: when to try again."),
    Column("last_error", Text),
)
Index("ix_webhook_inbox_retry_at", deliveries.c.retry_at)


@dataclass(frozen=True)
class Delivery:
    """One provider delivery, as received."""

    channel: str
    body: bytes
    received_at: datetime


@dataclass(frozen=True)
class Kept(Delivery):
    """A delivery in the inbox, with its place in the order of arrival."""

    id: int
    attempts: int = 0


class Inbox:
    """Puts deliveries in, takes them out in order of arrival, removes them once stored."""

    def __init__(self, engine: Engine, *, shares_database: bool) -> None:
        self.engine = engine
        self.shares_database = shares_database
        """True when the inbox is a table of the database itself (PostgreSQL): taking a
        delivery out and storing it are then one transaction."""
        self.sessions = sessionmaker(engine)
        metadata.create_all(engine, checkfirst=True)

    def put(self, batch: list[Delivery]) -> list[int]:
        """Keep every delivery of ``batch`` in one transaction; returns their ids."""
        with self.sessions.begin() as session:
            rows = session.execute(
                insert(deliveries).returning(deliveries.c.id),
                [{"channel": d.channel, "body": d.body, "received_at": d.received_at} for d in batch],
            )
            return list(rows.scalars())

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
        return [
            Kept(channel=r.channel, body=r.body, received_at=r.received_at, id=r.id, attempts=r.attempts)
            for r in session.execute(query)
        ]

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

    def count(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(deliveries)) or 0)


def retry_delay(attempts: int) -> timedelta:
    """How long a delivery that failed ``attempts`` times waits: 5 s, doubling, an hour at most."""
    return timedelta(seconds=min(3600.0, 5.0 * 2 ** max(attempts - 1, 0)))


def open_inbox(database: Engine) -> Inbox:
    """The inbox for a database: a file beside it for SQLite, a table in it for PostgreSQL."""
    url = database.url
    if url.get_backend_name() != "sqlite":
        return Inbox(database, shares_database=True)
    if not url.database or url.database == ":memory:":
        raise ValueError("a webhook inbox needs a SQLite database file")
    path = Path(url.database)
    return Inbox(make_engine(f"sqlite:///{path.with_name(path.stem + '-inbox.db')}"), shares_database=False)


def managed_by_migrations(name: str | None, kind: str, parents: Mapping[Any, str | None]) -> bool:
    """Alembic's ``include_name``: False for the inbox's table and index, which the migrations
    leave alone (on PostgreSQL they sit in the database beside the migrated tables)."""
    table = name if kind == "table" else parents.get("table_name")
    return table != deliveries.name
