"""`askwhy retention`: replacing raw customer text past the retention by its redacted form."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from askwhy.cli.context import console, opened
from askwhy.privacy import retention

app = typer.Typer(help="Raw transcript retention.", no_args_is_help=True)


@app.command("purge")
def purge(
    days: Annotated[
        int | None,
        typer.Option(
            min=0, help="Keep raw text this many days (default: ASKWHY_RAW_TRANSCRIPT_RETENTION_DAYS)."
        ),
    ] = None,
) -> None:
    """Replace raw customer text older than the retention by its redacted form (the worker does it hourly)."""
    with opened() as container:
        kept = container.settings.raw_transcript_retention_days if days is None else days
        so_far = retention.Purge()
        with console.status("replacing raw text by its redacted form") as status:

            def advance(batch: retention.Purge) -> None:
                nonlocal so_far
                so_far += batch
                status.update(
                    f"replacing raw text by its redacted form: {so_far.responses} responses, "
                    f"{so_far.messages} messages so far"
                )

            done = retention.purge_all(
                sessions=container.sessions,
                now=container.clock.now(),
                retention_days=kept,
                region=container.settings.redaction_region,
                progress=advance,
            )
            if (done.responses or done.messages) and not retention.wipe_purged(container.engine):
                console.print("the database's log was in use; the raw text it holds goes at the next purge")
    table = Table("raw text replaced", "count", title=f"older than {kept} days")
    table.add_row("responses (comment and answers)", str(done.responses))
    table.add_row("customer messages", str(done.messages))
    console.print(table)
