"""How soon a worker that (re)started takes its first turn: the time an operator waits, after a
crash, before customers' replies are answered again. A worker logs it once, as it takes that task."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huey.signals import SIGNAL_EXECUTING

from askwhy.tasks.inbound import TURN_TASKS

if TYPE_CHECKING:
    from huey import Huey

log = logging.getLogger(__name__)

LINE = "first turn task %s taken %.3f s after the process started, %.3f s of CPU (pid %d, started at %.2f)"
"""The logged line: the task; seconds since the process started, and of CPU the process spent
meanwhile (on a shared machine, the steadier of the two); its pid and start (Unix seconds)."""


def log_first_turn(huey: Huey) -> None:
    """Log, once, when this process's consumer of ``huey`` starts its first turn task."""
    started = process_started()
    once = threading.Lock()

    def on_executing(signal: str, task: Any, *args: Any) -> None:
        # Not disconnected after: Huey calls the receivers while iterating over their list.
        if once.locked() or task.name not in TURN_TASKS or not once.acquire(blocking=False):
            return
        log.info(LINE, task.name, time.time() - started, time.process_time(), os.getpid(), started)

    huey.signal(SIGNAL_EXECUTING)(on_executing)


def process_started() -> float:
    """When this process started (Unix seconds): on Linux the kernel's record of it, which
    includes the interpreter's start and imports; elsewhere, now."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        since_boot = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return time.time()
    return time.time() - (since_boot - ticks / os.sysconf("SC_CLK_TCK"))
