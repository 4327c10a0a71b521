"""`askwhy programs`: sync program YAML files into the database and list them."""

from __future__ import annotations

import typer
from rich.table import Table

from askwhy.cli.context import console, fail, opened
from askwhy.domain.program import Program
from askwhy.programs.catalog import stored_programs
from askwhy.programs.loading import ProgramError
from askwhy.programs.startup import sync_from_folder

app = typer.Typer(help="Programs: which moments invite whom, where and when.", no_args_is_help=True)


@app.command("sync")
def sync() -> None:
    """Validate the files in ASKWHY_PROGRAMS_DIR and store them; programs whose file is gone pause."""
    with opened() as container:
        try:
            report = sync_from_folder(
                sessions=container.sessions,
                guides=container.guides,
                folder=container.settings.programs_dir,
                now=container.clock.now(),
            )
        except ProgramError as exc:
            raise fail(f"programs not synced:\n{exc}") from None
        for label, ids in (
            ("added", report.added), ("updated", report.updated),
            ("unchanged", report.unchanged), ("paused (file gone)", report.deactivated),
        ):  # fmt: skip
            if ids:
                console.print(f"{label}: {', '.join(ids)}")
        if not (report.added or report.updated or report.unchanged or report.deactivated):
            console.print(f"no programs in {container.settings.programs_dir}")


@app.command("list")
def list_programs() -> None:
    """List the stored programs: moments, guide, channels, timing, sampling and caps."""
    with opened() as container, container.sessions.begin() as session:
        table = Table("id", "active", "moments", "guide", "channels", "delay", "sampling", "customer cap")
        for row in stored_programs(session=session):
            program = Program.model_validate(row.definition)
            cap = program.caps.customer
            table.add_row(
                program.id, "yes" if row.active else "no", ", ".join(program.moments), program.guide,
                " > ".join(option.channel.value for option in program.channels), str(program.timing.delay),
                f"{program.sampling:g}", f"{cap.invitations} per {cap.days} d",
            )  # fmt: skip
        console.print(table)
