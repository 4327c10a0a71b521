"""Processes `askwhy serve` starts beside itself stop once their server is gone, so none is left
behind: shared by the queue workers (`askwhy.cli.worker_pool`) and the inbox storer
(`askwhy.cli.inbox_storer`)."""

from __future__ import annotations

import os
import signal
import time

CHECK_SECONDS = 1.0
"""How often a process started by the server checks that the server is alive."""


def stop_when_orphaned(server_pid: int) -> None:
    """Stop this process once the server that started it is gone (run on a thread)."""
    while os.getppid() == server_pid:
        time.sleep(CHECK_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)  # Huey's consumer stops on SIGTERM; a storer just ends
