"""`askwhy db`: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from askwhy.cli.context import console, opened
from askwhy.store import migrate

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "heads") -> None:
    """Bring the database schema up to date (PostgreSQL needs this after every upgrade of askwhy)."""
    with opened(migrate_sqlite=False) as container:
        migrate.upgrade(container.engine, revision)
        console.print(f"database at revision {migrate.current_revision(container.engine)}")


@app.command("current")
def current() -> None:
    """Print the schema revision the database is at."""
    with opened(migrate_sqlite=False) as container:
        console.print(migrate.current_revision(container.engine) or "empty (run `askwhy db upgrade`)")
