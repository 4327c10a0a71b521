"""`askwhy guides check GUIDE`: rehearse a guide with scripted customers before launching it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from askwhy.cli.context import console, fail
from askwhy.interview.rehearsal import InProcess, Rehearsal, rehearse
from askwhy.interview.scripted_customers import ScriptedCustomer, parse_customers, suiting
from askwhy.programs.guides import GuideError, load_guide
from askwhy.programs.yaml_files import YamlFileError, describe_errors, read_list

app = typer.Typer(help="Interview guides: rehearse one before launch.", no_args_is_help=True)

DEFAULT_CUSTOMERS = Path("tests/scripted/customers")
_START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@app.command("check")
def check(
    guide_file: Annotated[Path, typer.Argument(help="The guide YAML file to rehearse.")],
    customers: Annotated[
        Path,
        typer.Option(
            "--customers",
            "-c",
            help="A YAML file of scripted customers, or a folder of them. Customers written for "
            "another guide are skipped.",
        ),
    ] = DEFAULT_CUSTOMERS,
    transcripts: Annotated[
        bool,
        typer.Option("--transcripts/--no-transcripts", help="Print every conversation, not only the table."),
    ] = True,
) -> None:
    """Hold the guide's conversation with each scripted customer, print the transcripts and a
    pass/fail table; exits with 1 when a check fails."""
    try:
        guide = load_guide(guide_file)
    except GuideError as exc:
        raise fail(str(exc)) from None
    cast = suiting(_read_customers(customers), guide.id)
    if not cast:
        raise fail(f"{customers}: no scripted customer suits the guide {guide.id!r}")
    rehearsals = [rehearse(guide, customer, InProcess(guide, _START)) for customer in cast]
    if transcripts:
        for rehearsal in rehearsals:
            _print_transcript(rehearsal)
    console.print(_table(rehearsals))
    failed = sum(not r.passed for r in rehearsals)
    checks = sum(len(r.checks) for r in rehearsals)
    verdict = "[bold red]FAIL[/]" if failed else "[bold green]PASS[/]"
    console.print(
        f"{verdict} {guide.id}: {len(rehearsals) - failed}/{len(rehearsals)} customers, {checks} checks"
    )
    if failed:
        raise typer.Exit(1)


def _read_customers(path: Path) -> list[ScriptedCustomer]:
    files = sorted(path.glob("*.y*ml")) if path.is_dir() else [path]
    if not files:
        raise fail(f"{path}: no scripted customers (YAML files) found")
    found: list[ScriptedCustomer] = []
    for file in files:
        found += _read_file(file)
    return found


def _read_file(path: Path) -> list[ScriptedCustomer]:
    try:
        raw = read_list(path, what="scripted customers")
    except YamlFileError as exc:
        raise fail(str(exc)) from None
    try:
        return parse_customers(raw)
    except ValidationError as exc:
        raise fail("\n".join(describe_errors(path, exc))) from None


def _print_transcript(rehearsal: Rehearsal) -> None:
    mark = "[green]✓[/]" if rehearsal.passed else "[red]✗[/]"
    console.print(f"\n{mark} [bold]{rehearsal.customer.name}[/]", highlight=False)
    for exchange in rehearsal.transcript:
        if exchange.said is not None:
            console.print(Text.assemble(("  customer ", "cyan"), exchange.said))
        for reply in exchange.replies:
            asked = f"  [{reply.question}]" if reply.question else ""
            console.print(Text.assemble(("  askwhy   ", "magenta"), reply.text, (asked, "dim")))
    for check in rehearsal.failures:
        console.print(Text.assemble(("  failed ", "red"), f"{check.name}: {check.detail}"))


def _table(rehearsals: list[Rehearsal]) -> Table:
    table = Table(title="Scripted customers")
    for column in ("customer", "language", "checks", "result", "first failure"):
        table.add_column(column)
    for rehearsal in rehearsals:
        failures = rehearsal.failures
        result = "[green]pass[/]" if not failures else "[red]fail[/]"
        first = f"{failures[0].name}: {failures[0].detail}"[:80] if failures else ""
        passed = len(rehearsal.checks) - len(failures)
        table.add_row(
            rehearsal.customer.name,
            rehearsal.customer.language,
            f"{passed}/{len(rehearsal.checks)}",
            result,
            first,
        )
    return table
