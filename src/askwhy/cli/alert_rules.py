"""`askwhy alert-rules`: which of a program's alerts go to which destinations, and digests."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from askwhy.alerts import rules
from askwhy.cli.context import console, fail, opened
from askwhy.store import alert_rules

app = typer.Typer(help="Alert rules per program: add, list, remove.", no_args_is_help=True)


@app.command("add")
def add(
    *,
    program: Annotated[str, typer.Option(help="The program whose alerts the rule routes.")],
    name: Annotated[str, typer.Option(help="A name for people, e.g. 'delivery team'.")],
    destination: Annotated[list[str], typer.Option(help="Repeatable. A destination's name.")],
    kind: Annotated[
        list[str] | None, typer.Option(help="Repeatable. rising_theme, new_theme, metric_drop; default all.")
    ] = None,
    subject: Annotated[
        list[str] | None, typer.Option(help="Repeatable. A theme id or metric; default all.")
    ] = None,
    segment: Annotated[
        list[str] | None, typer.Option(help="Repeatable. name=value the alert's segment must carry.")
    ] = None,
    min_severity: Annotated[str, typer.Option(help="low, medium or high.")] = "low",
    digest: Annotated[list[str] | None, typer.Option(help="Repeatable. daily and/or weekly.")] = None,
) -> None:
    """Add a rule: alerts it matches go to its destinations as they open and resolve."""
    pairs = [item.partition("=") for item in segment or ()]
    if any(not sep or not key for key, sep, _ in pairs):
        raise fail("--segment: write name=value, e.g. --segment region=north")
    with opened() as container, container.sessions.begin() as session:
        try:
            row = rules.create_rule(
                session=session, program=program, name=name, destinations=destination,
                now=container.clock.now(), kinds=kind or (), subjects=subject or (),
                segment={k: v for k, _, v in pairs}, min_severity=min_severity, digests=digest or (),
            )  # fmt: skip
        except ValueError as exc:
            raise fail(str(exc)) from None
        console.print(f"added rule [bold]{row.id}[/] for {program}")


@app.command("list")
def list_rules(
    program: Annotated[str | None, typer.Option(help="Only this program's rules.")] = None,
) -> None:
    """Rules: program, name, what they match, where they send, digests."""
    with opened() as container, container.reads.begin() as session:
        table = Table("id", "program", "name", "kinds", "subjects", "segment", "min", "to", "digests")
        for row in alert_rules.list_rules(session=session, program=program):
            table.add_row(
                row.id, row.program, row.name, " ".join(row.kinds) or "all", " ".join(row.subjects) or "all",
                " ".join(f"{k}={v}" for k, v in row.segment.items()) or "any", row.min_severity,
                " ".join(row.destinations), " ".join(row.digests),
            )  # fmt: skip
        console.print(table)


@app.command("remove")
def remove(
    rule_id: Annotated[str, typer.Argument(help="The rule's id, as `askwhy alert-rules list` shows.")],
) -> None:
    """Remove a rule."""
    with opened() as container, container.sessions.begin() as session:
        if not alert_rules.remove_rule(session=session, rule_id=rule_id):
            raise fail(f"no alert rule {rule_id!r}")
        console.print(f"removed {rule_id}")
