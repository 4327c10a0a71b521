"""`askwhy inbox`: the webhook deliveries that could not be stored, set aside as dead letters."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from askwhy.cli.context import console, fail, opened
from askwhy.conversations.webhook_storing import retry_dead_letter
from askwhy.store.dead_letters import dead_letters, drop_dead_letter

app = typer.Typer(help="The webhook inbox: deliveries set aside as dead letters.", no_args_is_help=True)

LetterId = Annotated[int, typer.Argument(help="The dead letter's id, as `askwhy inbox dead` lists it.")]


@app.command("dead")
def dead(
    limit: Annotated[int, typer.Option(min=1, help="List at most this many, newest first.")] = 100,
) -> None:
    """List the deliveries (or items of them) that could not be stored: channel, reason, tries, when."""
    with opened() as container, container.reads() as session:
        letters = dead_letters(session=session, limit=limit)
        table = Table("id", "channel")
        # Provider ids are what support looks for: never cut, whatever the terminal's width.
        widest = max((len(letter.items or "") for letter in letters), default=5)
        table.add_column("items", no_wrap=True, min_width=min(widest, 80))
        for heading in ("reason", "attempts", "first seen", "last seen"):
            table.add_column(heading)
        for letter in letters:
            table.add_row(
                str(letter.id),
                letter.channel,
                letter.items or "(all)",
                letter.reason,
                str(letter.attempts),
                f"{letter.first_seen_at:%Y-%m-%d %H:%M:%S}",
                f"{letter.last_seen_at:%Y-%m-%d %H:%M:%S}",
            )
    if not letters:
        console.print("no dead letters")
        return
    console.print(table)


@app.command("retry")
def retry(letter_id: LetterId) -> None:
    """Put a dead letter back in the webhook inbox and store it now (with a fresh count of tries)."""
    with opened() as container:
        if not retry_dead_letter(storing=container.storing, inbox=container.inbox, letter_id=letter_id):
            raise fail(f"no dead letter {letter_id}: `askwhy inbox dead` lists them")
        left = container.inbox.count()
    console.print(
        f"dead letter {letter_id} is back in the webhook inbox; "
        + (f"{left} deliveries still wait there (failed again: tried later)" if left else "stored")
    )


@app.command("drop")
def drop(letter_id: LetterId) -> None:
    """Delete a dead letter for good."""
    with opened() as container, container.sessions.begin() as session:
        if not drop_dead_letter(session=session, letter_id=letter_id):
            raise fail(f"no dead letter {letter_id}: `askwhy inbox dead` lists them")
    console.print(f"dead letter {letter_id} deleted")
