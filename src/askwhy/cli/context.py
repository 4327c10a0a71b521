"""Building the container for a command, turning start-up problems into plain messages."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from askwhy.analysis.multilingual_embeddings import MissingModelPackage
from askwhy.bootstrap import Container, bootstrap
from askwhy.programs.guides import GuideError
from askwhy.settings import Settings
from askwhy.store import migrate
from askwhy.store.database import is_sqlite

console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print an error for the person at the terminal and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"ASKWHY_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()]
        raise fail("invalid settings\n  " + "\n  ".join(lines)) from None


@contextmanager
def opened(settings: Settings | None = None, *, migrate_sqlite: bool = True) -> Iterator[Container]:
    """A container for one command; on SQLite the schema is brought up to date first."""
    settings = settings or load_settings()
    try:
        container = bootstrap(settings)
    except GuideError as exc:
        raise fail(str(exc)) from None
    except MissingModelPackage as exc:
        # Escaped: the install command's "[multilingual]" is not Rich markup.
        raise fail(escape(str(exc))) from None
    try:
        if migrate_sqlite and is_sqlite(container.engine):
            migrate.upgrade(container.engine)
        yield container
    finally:
        container.close()


GC_THRESHOLDS = (50_000, 50, 100)
"""Allocations between young-generation collections (Python's default is 700), and the older
generations' ratios."""


def settle_heap() -> None:
    """For a long-running process that has started up: collect once, then set aside what start-up
    built (modules, settings, the app) so that collections no longer walk it, and collect the
    young generation less often.

    With Python's defaults a server under load pauses, again and again, to walk the same
    start-up objects; those pauses showed as slow webhooks in the WhatsApp benchmark.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
