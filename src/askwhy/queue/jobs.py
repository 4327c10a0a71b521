"""Background work on Huey: SQLite storage by default, Redis at scale, inline in tests.

Use cases get the queue (`Jobs`) as a port and name the work they queue; the work itself is
registered at start-up by each area's module in `askwhy.tasks`, never at import, so the queue is
built from settings like every other adapter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Task, TaskWrapper
from huey.constants import EmptyData
from huey.consumer import Consumer
from huey.storage import SqliteStorage
from sqlalchemy.orm import Session

from askwhy.settings import Settings
from askwhy.store.database import on_commit
from askwhy.store.private_files import private_file


class Queue(StrEnum):
    """Which queue a task waits on, so that work needing the language models never holds a
    conversation's reply.

    Loading the embedding model takes seconds of the interpreter, and analysing or discovering
    themes keeps a core busy: in the same process as the interviewer's turns they would hold
    every reply behind them. Each queue is worked by processes of its own (`askwhy worker
    --queue`)."""

    CONVERSATIONS = "conversations"
    """Inbound messages, turns, deliveries, statuses, cases and notifications: seconds matter."""
    ANALYSIS = "analysis"
    """Analysis of closed conversations, theme discovery and emerging-issue detection."""


QUEUE_NAMES = {Queue.CONVERSATIONS: "askwhy", Queue.ANALYSIS: "askwhy-analysis"}
IDLE_POLL_SECONDS = {Queue.CONVERSATIONS: 0.02, Queue.ANALYSIS: 0.25}
"""How often, at most, an idle consumer thread of each queue looks for tasks on a SQLite queue.
A customer's reply waits for the conversations queue's poll twice (the turn, then its delivery);
an analysis has seconds to spare, and the analysis worker's threads polling every 20 ms cost
its process more CPU than some of its analyses."""
"""Each queue's name in Redis, and its SQLite file's stem (``queue.db``, ``askwhy-analysis.db``)."""


def make_huey(settings: Settings, queue: Queue = Queue.CONVERSATIONS) -> Huey:
    """The queue named by the settings: Redis if ASKWHY_REDIS_URL is set, else a SQLite file."""
    # Tasks report through the database, never through return values: storing those would cost
    # the queue a write per task.
    name = QUEUE_NAMES[queue]
    if settings.queue_inline:
        return MemoryHuey(name, immediate=True, results=False)
    if settings.redis_url:
        return RedisHuey(name, url=settings.redis_url.get_secret_value(), results=False)
    stem = "queue" if queue is Queue.CONVERSATIONS else name
    queue_file = private_file(settings.data_dir / f"{stem}.db")
    # The queue only nudges: every message and analysis is durable in the database, and periodic
    # sweeps pick up anything a lost nudge would have done, so the queue file need not fsync.
    return PrivateSqliteHuey(name, filename=str(queue_file), fsync=False, results=False)


def make_jobs(settings: Settings) -> Jobs:
    """Both queues the settings describe; run inline (tests, `askwhy analyze`) they are one."""
    conversations = make_huey(settings)
    analysis = conversations if settings.queue_inline else make_huey(settings, Queue.ANALYSIS)
    return Jobs(conversations, analysis=analysis)


class ZeroingSqliteStorage(SqliteStorage):  # type: ignore[misc]
    """Huey's SQLite storage with deleted tasks overwritten by zeros, whatever SQLite's build default.

    Task arguments are ids, never a customer's words; should one ever carry more, a finished task
    still leaves nothing of it in the file."""

    def _create_connection(self) -> Any:
        connection = super()._create_connection()
        connection.execute("PRAGMA secure_delete=ON")
        return connection


class PrivateSqliteHuey(SqliteHuey):  # type: ignore[misc]
    """A SQLite queue in a file readable by the owner alone, deleted tasks zeroed."""

    storage_class = ZeroingSqliteStorage


SHUTDOWN_SECONDS = 10.0
"""How long a consumer told to stop waits for its tasks under way (a provider's send) to end."""


class Jobs:
    """Named background tasks on two Huey instances, one per `Queue` (the same one, if only one
    is given)."""

    NUDGED = "askwhy:nudged:"
    """Queue-storage key prefix marking a nudged task whose run has not started yet."""
    STARTED = "askwhy:started:"
    """Queue-storage key prefix holding when a spaced task's last run started (Unix seconds)."""

    def __init__(self, huey: Huey, *, analysis: Huey | None = None) -> None:
        self.huey = huey
        """The conversations queue."""
        self.queues: dict[Queue, Huey] = {Queue.CONVERSATIONS: huey, Queue.ANALYSIS: analysis or huey}
        self._tasks: dict[str, TaskWrapper] = {}
        self._queue_of: dict[str, Queue] = {}
        self._spacing: dict[str, float] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._slots_each: int | None = None
        self._slots_lock = threading.Lock()

    def task(
        self, name: str, *, queue: Queue = Queue.CONVERSATIONS, spacing: float = 0.0, **options: Any
    ) -> Callable[[Callable[..., Any]], TaskWrapper]:
        """Register a function as the task ``name`` on ``queue`` (options as Huey's: retries,
        retry_delay…); a nudged run of it starts at least ``spacing`` seconds after the last
        one started (`nudge`)."""

        def register(function: Callable[..., Any]) -> TaskWrapper:
            wrapper: TaskWrapper = self.queues[queue].task(name=name, **options)(function)
            self._tasks[name], self._queue_of[name] = wrapper, queue
            if spacing > 0:
                self._spacing[name] = spacing
            return wrapper

        return register

    def periodic(
        self, name: str, *, queue: Queue = Queue.CONVERSATIONS, **crontab: str
    ) -> Callable[[Callable[..., Any]], TaskWrapper]:
        """Register a task that runs on a schedule (``minute="*"`` etc., as Huey's crontab)."""
        from huey import crontab as schedule

        def register(function: Callable[..., Any]) -> TaskWrapper:
            wrapper: TaskWrapper = self.queues[queue].periodic_task(schedule(**crontab), name=name)(function)
            self._tasks[name], self._queue_of[name] = wrapper, queue
            return wrapper

        return register

    def _storage_of(self, name: str) -> Any:
        return self.queues[self._queue_of.get(name, Queue.CONVERSATIONS)].storage

    def enqueue(self, name: str, *args: Any, **kwargs: Any) -> Task | None:
        result = self._tasks[name](*args, **kwargs)
        return result.task if hasattr(result, "task") else None

    def enqueue_in(self, delay_seconds: float, name: str, *args: Any) -> None:
        """Enqueue to run in ``delay_seconds`` (now, if that is not in the future)."""
        if delay_seconds <= 0:
            self.enqueue(name, *args)
        else:
            self._tasks[name].schedule(args=args, delay=delay_seconds)

    def enqueue_after_commit(self, session: Session, name: str, *args: Any, **kwargs: Any) -> None:
        """Enqueue once the session's data is committed, so the worker always finds it."""
        on_commit(session, lambda: self.enqueue(name, *args, **kwargs))

    def nudge_after_commit(self, session: Session, name: str) -> None:
        """Nudge the task ``name`` (`nudge`) once the session's data is committed."""
        on_commit(session, lambda: self.nudge(name))

    def nudge(self, name: str) -> None:
        """Enqueue the argument-less task ``name``, unless a run of it is already waiting to start.

        For tasks that take all the work there is: a run that has not started yet will see every
        commit made before this call, so one waiting run is enough. The task calls `nudge_taken`
        before it looks for work. The mark lives in the queue's storage, so it holds across
        processes; a periodic sweep clears it too, should a process die between mark and enqueue.

        A task registered with a ``spacing`` runs at once if its last run started that long ago,
        else is scheduled for then: the nudges of a burst wait for that one run, and no more than
        one run starts per ``spacing`` seconds however often the task is nudged.
        """
        storage, key = self._storage_of(name), self.NUDGED + name
        if storage.peek_data(key) is not EmptyData:
            return
        if storage.put_if_empty(key, b"1"):
            try:
                self.enqueue_in(self._wait_before(name), name)
            except BaseException:
                storage.pop_data(key)
                raise

    def nudge_taken(self, name: str) -> None:
        """Called by a nudged task as it starts: later commits need a run of their own."""
        storage = self._storage_of(name)
        storage.pop_data(self.NUDGED + name)
        if name in self._spacing:
            storage.put_data(self.STARTED + name, repr(time.time()).encode())

    def _wait_before(self, name: str) -> float:
        """Seconds until a nudged run of ``name`` may start (none on a queue run inline, which has
        no later: its tasks run within the call that queues them)."""
        spacing = self._spacing.get(name, 0.0)
        queue = self.queues[self._queue_of.get(name, Queue.CONVERSATIONS)]
        if not spacing or queue.immediate:
            return 0.0
        started = queue.storage.peek_data(self.STARTED + name)
        if started is EmptyData:
            return 0.0
        return max(0.0, float(started) + spacing - time.time())

    MARK = "askwhy:mark:"
    """Queue-storage key prefix of the marks (`mark`) that processes share."""

    def mark(self, key: str, value: str, *, replace: bool = False) -> bool:
        """Set the mark ``key``, which every process of the queue sees, to ``value``: unless
        ``replace``, only if it is not set already; True if this call set it."""
        storage = self.huey.storage
        if replace:
            storage.put_data(self.MARK + key, value.encode())
            return True
        return bool(storage.put_if_empty(self.MARK + key, value.encode()))

    def marked(self, key: str) -> str | None:
        """The value of the mark ``key``, or None if it is not set."""
        value = self.huey.storage.peek_data(self.MARK + key)
        return None if value is EmptyData else bytes(value).decode()

    def unmark(self, key: str) -> str | None:
        """Remove the mark ``key``; returns its value if this call removed it (of several
        processes removing it at once, one gets the value)."""
        value = self.huey.storage.pop_data(self.MARK + key)
        return None if value is EmptyData else bytes(value).decode()

    def drain(self, name: str, take: Callable[[], int], *, full: int, max_batches: int = 20) -> int:
        """Call ``take`` (one batch; how many it took) until a batch is not ``full``; returns the total.

        After ``max_batches`` full ones, the rest goes to another run of ``name`` (on any worker),
        so work that keeps failing cannot hold this one.
        """
        total = 0
        for _ in range(max_batches):
            taken = take()
            total += taken
            if taken < full:
                return total
        self.nudge(name)
        return total

    @contextmanager
    def slot(self, group: str) -> Iterator[bool]:
        """Take one of this process's slots for tasks of ``group``: True if one was free.

        A consumer's threads are shared by every task; tasks that may wait on the outside world
        (a provider's send) take a slot first, and there are half as many slots as threads (at
        least one), so the others always have threads to run on. A task that finds none free
        runs again later (its caller decides when). Outside a consumer (inline, tests) every
        slot is free."""
        with self._slots_lock:
            if self._slots_each is None:
                semaphore = None
            else:
                semaphore = self._slots.setdefault(group, threading.BoundedSemaphore(self._slots_each))
        if semaphore is None:
            yield True
            return
        taken = semaphore.acquire(blocking=False)
        try:
            yield taken
        finally:
            if taken:
                semaphore.release()

    def has(self, name: str) -> bool:
        return name in self._tasks

    def consumer(self, *, workers: int, queue: Queue = Queue.CONVERSATIONS) -> Consumer:
        """A consumer of ``queue`` on ``workers`` threads (not started)."""
        with self._slots_lock:
            self._slots_each, self._slots = max(1, workers // 2), {}
        # Idle workers poll a SQLite queue, and a reply waits for the next poll twice (the turn, then
        # its delivery): Huey's default back-off (up to 10 s) would hold replies for seconds. A poll
        # is one indexed read of the queue file (`IDLE_POLL_SECONDS`).
        # SIGTERM (a server stopping its workers, systemd, Kubernetes) lets the tasks under way
        # finish, for up to SHUTDOWN_SECONDS; what is cut short after that runs again later.
        return self.queues[queue].create_consumer(
            workers=workers,
            worker_type="thread",
            periodic=True,
            initial_delay=0.002,
            max_delay=IDLE_POLL_SECONDS[queue],
            graceful_signal="TERM",
            shutdown_timeout=SHUTDOWN_SECONDS,
        )
