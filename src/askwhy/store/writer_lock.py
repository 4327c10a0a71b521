"""Taking turns at writing to SQLite: one writing transaction at a time, across threads and processes.

SQLite lets one transaction write at a time. Left to itself, a writer that finds the database
locked sleeps in SQLite's busy handler (1, 2, 5, 10 … 100 ms) and tries again, so under load the
lock sits free while writers sleep, and a writer can lose every race for a long time. askwhy
queues writers instead: threads of one process on a lock, processes (`askwhy serve` and its
worker) on a pair of file locks that hand the turn to a waiting process as soon as it is free.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import sys
import threading
import time
import weakref
from pathlib import Path

if sys.platform != "win32":
    import fcntl

POLL_SECONDS = (0.00005, 0.0001, 0.0002, 0.0005)
"""Waits between tries for a file lock that another process holds: short, then 0.5 ms at most."""


class TurnTimeout(sqlite3.OperationalError):
    """No write turn within the timeout: reported like SQLite's own "database is locked"."""


class FileTurn:
    """A fair write turn between processes, on two lock files beside the database.

    A process takes the ``queue`` lock, then the ``turn`` lock, then lets the queue go. One that
    finishes its turn and wants another must queue again, behind the process already holding the
    queue lock while it waits: so under contention processes alternate, and none is starved.
    Locks are tried without blocking, a few times a millisecond, so that waiting has a deadline.
    """

    def __init__(self, database: Path) -> None:
        self._queue = lock_file(self, database, "-writer-queue")
        self._turn = lock_file(self, database, "-writer")

    def take(self, deadline: float) -> None:
        _lock(self._queue, deadline)
        try:
            _lock(self._turn, deadline)
        finally:
            fcntl.flock(self._queue, fcntl.LOCK_UN)

    def give_back(self) -> None:
        fcntl.flock(self._turn, fcntl.LOCK_UN)


def lock_file(owner: object, database: Path, suffix: str) -> int:
    """A descriptor of the lock file, open as long as ``owner`` lives."""
    descriptor = os.open(f"{database}{suffix}", os.O_RDWR | os.O_CREAT, 0o600)
    weakref.finalize(owner, os.close, descriptor)
    return descriptor


def _lock(file: int, deadline: float) -> None:
    for attempt in itertools.count():
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise TurnTimeout("database is locked: no write turn within the busy timeout") from None
            time.sleep(POLL_SECONDS[min(attempt, len(POLL_SECONDS) - 1)])


class WriteTurn:
    """The write turn of one engine: a fair queue of its threads, then of processes, then SQLite.

    The turn is handed on by the DBAPI connection once its COMMIT or ROLLBACK has run, not at
    SQLAlchemy's commit event, which fires before: handed on then, the next writer's BEGIN would
    find the database still locked and sleep in the busy handler. A connection the pool resets
    or closes ends with a rollback or a close, so it never keeps the turn either.
    """

    def __init__(self, *, timeout: float, between_processes: FileTurn | None) -> None:
        self._timeout = timeout
        self._threads = threading.Lock()
        self._processes = between_processes
        self._holder: sqlite3.Connection | None = None

    def take(self, dbapi_connection: sqlite3.Connection, *, timeout: float | None = None) -> None:
        """Wait for the turn (raising `TurnTimeout` after ``timeout``, by default the engine's), for
        this connection."""
        timeout = self._timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            raise TurnTimeout("database is locked: no write turn within the busy timeout")
        try:
            if self._processes is not None:
                self._processes.take(deadline)
        except BaseException:
            self._threads.release()
            raise
        self._holder = dbapi_connection

    def hand_on(self, dbapi_connection: sqlite3.Connection) -> None:
        """Release the turn if ``dbapi_connection`` holds it."""
        if self._holder is not dbapi_connection:
            return
        self._holder = None
        if self._processes is not None:
            self._processes.give_back()
        self._threads.release()

    def connection_class(self) -> type[sqlite3.Connection]:
        """The DBAPI connection class for the engine: it hands the turn on when it is done."""
        turn = self

        class TurnTakingConnection(sqlite3.Connection):
            def commit(self) -> None:
                try:
                    super().commit()
                finally:
                    turn.hand_on(self)

            def rollback(self) -> None:
                try:
                    super().rollback()
                finally:
                    turn.hand_on(self)

            def close(self) -> None:
                try:
                    super().close()
                finally:
                    turn.hand_on(self)

        return TurnTakingConnection
