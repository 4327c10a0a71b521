"""`askwhy keys`: API keys for the events and customers API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Column, Table

from askwhy.cli.context import console, fail, opened
from askwhy.service import api_keys

app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Who or what uses the key, e.g. 'checkout service'.")],
    scope: Annotated[list[str], typer.Option(help=f"Repeatable. One of: {', '.join(api_keys.SCOPES)}.")],
    program: Annotated[
        list[str] | None,
        typer.Option(help="Repeatable. Limit the key to this program's data; none: every program."),
    ] = None,
) -> None:
    """Create a key and print it once; only its hash is stored."""
    with opened() as container, container.sessions.begin() as session:
        try:
            key, text = api_keys.create_key(
                session=session, name=name, scopes=scope, programs=program or (), now=container.clock.now()
            )
        except ValueError as exc:
            raise fail(str(exc)) from None
        reach = ", ".join(key.programs) or "every program"
        console.print(
            f"created key [bold]{key.id}[/] ({', '.join(key.scopes)}; {reach}). "
            "Store it now; it is not shown again:"
        )
        console.print(text, highlight=False, soft_wrap=True)


@app.command("list")
def list_keys() -> None:
    """List keys: id, name, scopes, when created, last used and revoked."""
    with opened() as container, container.sessions.begin() as session:
        # The id is what `revoke` asks for: never cut, however narrow the terminal.
        table = Table(
            Column("id", no_wrap=True), "name", "scopes", "programs", "created", "last used", "revoked"
        )
        for key in api_keys.list_keys(session=session):
            table.add_row(
                key.id, key.name, " ".join(key.scopes), " ".join(key.programs) or "all",
                f"{key.created_at:%Y-%m-%d %H:%M}",
                f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "",
                f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
            )  # fmt: skip
        console.print(table)


@app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id, as `askwhy keys list` shows.")]) -> None:
    """Revoke a key: requests with it are refused from now on."""
    with opened() as container, container.sessions.begin() as session:
        if not api_keys.revoke_key(session=session, key_id=key_id, now=container.clock.now()):
            raise fail(f"no API key {key_id!r}")
        console.print(f"revoked {key_id}")
