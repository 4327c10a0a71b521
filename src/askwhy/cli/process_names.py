"""Names worker processes show in ps and top, so an operator can tell them apart."""

from __future__ import annotations

import contextlib
from pathlib import Path


def name_process(title: str) -> None:
    """Show ``title`` for this process in ps and top (Linux keeps 15 characters), so an operator
    can tell the queue workers and the storer apart; elsewhere, or with no title, nothing changes."""
    if not title:
        return
    with contextlib.suppress(OSError):
        Path("/proc/self/comm").write_text(title[:15])
