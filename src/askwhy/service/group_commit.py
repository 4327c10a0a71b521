"""Group commit: the items that arrive while one batch is being written are written together in
the next, and each caller waits for the commit that holds its item.

Under load most of a small write's cost is its transaction (taking the write turn, beginning,
committing), not its few statements; sharing a transaction among the items that queued meanwhile
cuts that cost without delaying anyone: a lone item is written at once, in a batch of one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
R = TypeVar("R")


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
            batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
            try:
                items = [waiting.item for waiting in batch]
                if self._on_loop:
                    outcomes = self._write(items)
                else:
                    outcomes = await run_in_threadpool(self._write, items)
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
