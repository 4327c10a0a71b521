"""Waiting until processes have finished starting, so that a measured window holds the load only.

A server's processes keep working for a while after they answer their health check: the
analysis worker of `askwhy serve` loads its language model (several seconds of CPU) beside its
consumer. Measured from then, that one-time cost is charged to the messages of the load.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

SAMPLE_SECONDS = 0.02
WINDOW = 50
"""Samples a verdict looks at (one second)."""
BUSY_SHARE = 0.1
"""Idle when at most this share of the window's samples found a thread ready to run: pollers
wake now and then, a thread loading a model is ready to run in nearly every sample, even on a
machine so busy that it gets little CPU."""


def runnable_threads(pids: list[int]) -> int:
    """Threads of these processes that are running or waiting for a CPU (state R in /proc)."""
    count = 0
    for pid in pids:
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except (FileNotFoundError, IndexError):
                continue
            count += state == "R"
    return count


async def wait_until_idle(processes: Callable[[], list[int]], *, timeout: float = 300.0) -> float:
    """Return once a one-second window of ``processes()`` was idle; the seconds it took.

    Raises `TimeoutError` when they stay busy past ``timeout``."""
    started = time.monotonic()
    recent: list[bool] = []
    while True:
        recent = [*recent, runnable_threads(processes()) > 0][-WINDOW:]
        if len(recent) == WINDOW and sum(recent) <= BUSY_SHARE * WINDOW:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"the processes were still busy after {timeout:.0f} s")
        await asyncio.sleep(SAMPLE_SECONDS)
