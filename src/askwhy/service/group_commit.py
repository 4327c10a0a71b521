"""Group commit: the items that arrive while one batch is being written are written together in
the next, and each caller waits for the commit that holds its item.

Under load most of a small write's cost is its transaction (taking the write turn, beginning,
committing), not its few statements; sharing a transaction among the items that queued meanwhile
cuts that cost without delaying anyone: a lone item is written at once, in a batch of one.

A write on the event loop never waits for a lock: it raises `Busy`, and the batch is tried again
a moment later while the loop serves other requests. A caller that stops waiting (its request
answered 503 in time) leaves: its item is dropped if its batch was not cut yet.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
R = TypeVar("R")
PAUSES = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02)
"""Seconds between tries of a batch whose write was `Busy`: short, then 20 ms at most."""


class Busy(Exception):
    """Raised by a write on the event loop that would have to wait for a lock: it is tried again."""


@dataclass(frozen=True)
class _Waiting(Generic[T, R]):
    item: T
    written: asyncio.Future[R]


class GroupCommit(Generic[T, R]):
    """Writes items in batches with ``write``, one batch at a time, on one event loop: on a thread,
    or with ``on_loop`` on the loop itself (for writes that take a millisecond or so).

    ``write`` returns one outcome per item, in order: a result, or the exception that item's
    caller gets. An exception raised by ``write`` itself goes to every caller of the batch.
    """

    def __init__(
        self, write: Callable[[list[T]], Sequence[R | Exception]], *, max_batch: int, on_loop: bool = False
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._on_loop = on_loop
        self._waiting: list[_Waiting[T, R]] = []
        self._writing: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Write ``item``; returns once the transaction holding it has committed (or raises why not)."""
        written: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(item, written))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_waiting())
        return await written

    async def _write_waiting(self) -> None:
        while self._waiting:
            if self._on_loop:
                await asyncio.sleep(0)  # the requests already read join the batch before it is cut
            self._waiting = [waiting for waiting in self._waiting if not waiting.written.done()]
            batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
            if not batch:
                continue
            try:
                outcomes = await self._written([waiting.item for waiting in batch], batch)
            except asyncio.CancelledError:
                for waiting in batch + self._waiting:
                    waiting.written.cancel()
                raise
            except Exception as exc:  # handed to every caller of the batch, who answers for it
                outcomes = [exc] * len(batch)
            for waiting, outcome in zip(batch, outcomes, strict=True):
                if waiting.written.done():
                    continue  # its caller went away; the item is written all the same
                if isinstance(outcome, Exception):
                    waiting.written.set_exception(outcome)
                else:
                    waiting.written.set_result(outcome)

    async def _written(self, items: list[T], batch: list[_Waiting[T, R]]) -> Sequence[R | Exception]:
        """The batch written: on a thread, or on the loop, tried again while it is `Busy` and
        one of its callers still waits."""
        if not self._on_loop:
            return await run_in_threadpool(self._write, items)
        for attempt in itertools.count():
            try:
                return self._write(items)
            except Busy as busy:
                if all(waiting.written.done() for waiting in batch):
                    return [busy] * len(items)  # every caller has gone: nobody to write it for
                await asyncio.sleep(PAUSES[min(attempt, len(PAUSES) - 1)])
        raise AssertionError("unreachable")  # pragma: no cover
