"""The `askwhy` command. Each area registers its commands from its own module (`commands`).

Importing this package imports no command: `askwhy worker`, started again after a crash, and the
queue worker processes `askwhy serve` starts import their own modules only, and take their first
turn sooner (every command's modules were about a third of a worker's start-up).
"""

from __future__ import annotations

import sys
from typing import Any

HELP = "Conversational customer feedback that explains why metrics move."
"""What `askwhy --help` says first, for the whole command line and for `askwhy worker` alone."""


def main() -> None:
    if sys.argv[1:2] == ["worker"]:
        from askwhy.cli.worker import worker_app

        worker_app()
        return
    from askwhy.cli.commands import app

    app()


def __getattr__(name: str) -> Any:
    """``askwhy.cli.app``, the whole command line, built when first asked for."""
    if name == "app":
        from askwhy.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
