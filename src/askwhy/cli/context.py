"""Building the container for a command, turning start-up problems into plain messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from rich.console import Console

from askwhy.bootstrap import Container, bootstrap
from askwhy.guides import GuideError
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
    try:
        if migrate_sqlite and is_sqlite(container.engine):
            migrate.upgrade(container.engine)
        yield container
    finally:
        container.close()
