"""Freed space after an erasure: as little of the deleted rows left in the database's files as the
database allows.

SQLite: every connection askwhy opens (database, webhook inbox, queue) runs with
``secure_delete`` on, so deleted content and freed pages are overwritten with zeros, whatever the
build's default; but the write-ahead log still holds the pages as they were. A TRUNCATE
checkpoint copies the log in and cuts it to nothing.

PostgreSQL: ``VACUUM`` removes the dead row versions the deletes left, so their space is reused.
The server's own write-ahead log and unused page space are its to recycle: bytes may stay on its
disk until they are (docs/security.md says so).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

from sqlalchemy import Engine

from askwhy.store.database import is_sqlite

CHECKPOINT_ATTEMPTS = 3
CHECKPOINT_WAIT_MS = 2_000
"""How long one checkpoint waits at most for readers of older snapshots to finish."""


class LogNotTruncated(RuntimeError):
    """A checkpoint could not empty the write-ahead log: another connection kept reading."""


def wipe_freed_space(engine: Engine, *, tables: Collection[str] = ()) -> None:
    """After rows were deleted and committed: cut SQLite's write-ahead log to nothing (waiting,
    with the busy timeout, for readers of older snapshots), or ``VACUUM`` ``tables`` on PostgreSQL.
    Raises `LogNotTruncated` if readers kept the log in use."""
    if not is_sqlite(engine):
        _vacuum(engine, tables)
        return
    for attempt in range(CHECKPOINT_ATTEMPTS):
        if _truncate_log(engine):
            return
        time.sleep(0.05 * (attempt + 1))
    raise LogNotTruncated(f"{engine.url.database}: the write-ahead log is still in use")


def _truncate_log(engine: Engine) -> bool:
    connection = engine.raw_connection()  # outside any transaction, as a checkpoint needs
    driver: Any = connection.driver_connection
    try:
        (usual,) = driver.execute("PRAGMA busy_timeout").fetchone()
        driver.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            busy, _, _ = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            driver.execute(f"PRAGMA busy_timeout={usual}")
    finally:
        connection.close()
    return not busy


def _vacuum(engine: Engine, tables: Collection[str]) -> None:
    if not tables:
        return
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM " + ", ".join(quote(name) for name in sorted(tables)))
