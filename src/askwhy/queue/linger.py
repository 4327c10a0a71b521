"""How long work that arrives piece by piece waits to be taken as a batch: Nagle's rule for queues.

Each batch of kept deliveries or stored messages costs a few transactions however small it is.
Taken the moment each piece arrives, a busy stream of webhooks made batches of one or two, and
those fixed costs were most of the CPU a message. Taken after a fixed wait, a quiet system would
answer later for nothing, and the wait would be right for one load only.

The rule: a batch starts no sooner after the previous one ended than the previous one took to do,
and never waits more than a cap. After a quiet spell, work is taken at once. In a stream, whoever
takes the batches is busy at most about half the time, and the work that arrives meanwhile joins
the next batch: the busier the machine (the longer a batch takes, its write turn included), the
larger the batches, up to the cap, which bounds what a piece of work can wait for.

Where the database writes one transaction at a time (SQLite), batches of one process are taken one
at a time (``one_at_a_time``): a run that comes while another's batch is under way waits for it to
end before it lingers. Runs of the turns overlapped on a worker's threads (a run nudged during a
batch started at once, beside it), so each took the few messages stored since the other's read,
and the two queued for the one write turn anyway: 266 runs of the turns for 3,000 messages of the
WhatsApp benchmark, 167-171 one at a time. On PostgreSQL overlapping runs answer different
conversations side by side, their round trips to the server overlapping, and they still do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

BATCH_CHECK_SECONDS = 0.1
"""How often a run waiting for a batch under way looks whether it was told to stop."""


class Linger:
    """Spaces batches by the time the previous one took, at most ``cap`` seconds, and with
    ``one_at_a_time`` lets one batch run at a time (see the module). Shared by the threads of a
    process."""

    def __init__(
        self,
        cap: float,
        *,
        one_at_a_time: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.cap, self.one_at_a_time = cap, one_at_a_time
        self._monotonic, self._sleep = monotonic, sleep
        self._took = 0.0
        self._ended = 0.0
        self._running: dict[int, int] = {}
        """Batches under way, by the thread running them."""
        self._ran = threading.Condition()

    def wait(self, stopping: threading.Event | None = None) -> float:
        """Wait for a batch under way to end (``one_at_a_time``), then until as long as the last
        batch took has passed since it ended (at most the cap; none after a quiet spell), or until
        told to stop; returns how long it lingered after the last batch ended."""
        if self.one_at_a_time:
            self._wait_for_batches(stopping)
        delay = self._ended + min(self._took, self.cap) - self._monotonic()
        if delay <= 0:
            return 0.0
        if stopping is None:
            self._sleep(delay)
        else:
            stopping.wait(delay)
        return delay

    def _wait_for_batches(self, stopping: threading.Event | None) -> None:
        """Wait while another thread runs a batch. A batch of this thread's own is not waited for:
        a queue run inline calls a task within the task that queued it, and would wait forever."""
        me = threading.get_ident()
        with self._ran:
            while any(thread != me for thread in self._running):
                if stopping is not None and stopping.is_set():
                    return
                self._ran.wait(BATCH_CHECK_SECONDS)

    def measure(self, batch: Callable[[], int]) -> int:
        """Do ``batch`` (it returns how much it took) and remember how long it took; a batch that
        found nothing does not count, so that it shortens no later wait. While it runs, `wait` on
        another thread waits for it (``one_at_a_time``)."""
        me = threading.get_ident()
        with self._ran:
            self._running[me] = self._running.get(me, 0) + 1
        started, taken = self._monotonic(), 0
        try:
            taken = batch()
        finally:
            with self._ran:
                if taken:
                    self._ended = self._monotonic()
                    self._took = self._ended - started
                self._running[me] -= 1
                if not self._running[me]:
                    del self._running[me]
                self._ran.notify_all()
        return taken
