"""The SQLite write turn between processes: handed to the waiting process first, with a deadline.

Two `FileTurn`s on one database stand for two processes: file locks taken through separate
descriptors exclude each other as they do across processes.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest

from askwhy.store.writer_lock import FileTurn, TurnTimeout


def later(seconds: float) -> float:
    return time.monotonic() + seconds


def wait_until_queued(database: Path) -> None:
    """Until some process holds the queue lock, i.e. waits for the turn."""
    descriptor = os.open(f"{database}-writer-queue", os.O_RDWR)
    try:
        deadline = later(10)
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            assert time.monotonic() < deadline, "nobody queued for the turn"
            time.sleep(0.001)
    finally:
        os.close(descriptor)


def test_a_process_that_gives_the_turn_back_queues_behind_the_one_waiting(tmp_path: Path) -> None:
    database = tmp_path / "askwhy.db"
    first, second = FileTurn(database), FileTurn(database)
    order: list[str] = []

    def waiting_process() -> None:
        second.take(later(10))
        order.append("second")
        second.give_back()

    first.take(later(10))
    thread = threading.Thread(target=waiting_process)
    thread.start()
    wait_until_queued(database)
    first.give_back()
    first.take(later(10))  # at once: without the queue it would usually win the race
    order.append("first again")
    first.give_back()
    thread.join()
    assert order == ["second", "first again"]


def test_no_turn_within_the_deadline_is_a_database_locked_error(tmp_path: Path) -> None:
    database = tmp_path / "askwhy.db"
    holder, waiter = FileTurn(database), FileTurn(database)
    holder.take(later(10))
    with pytest.raises(TurnTimeout, match="database is locked"):
        waiter.take(later(0.05))
    holder.give_back()
    waiter.take(later(10))  # the failed wait left nothing behind
    waiter.give_back()
