"""`askwhy funnel PROGRAM`: who a program invited, reached and heard, per segment."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from askwhy.analysis.segment_funnel import Proportion, SegmentFunnel
from askwhy.cli.context import console, fail, opened
from askwhy.insights.invitation_funnel import NoInvitations, segment_funnel

Day = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="A day, YYYY-MM-DD.")]


def funnel(
    program: Annotated[str, typer.Argument(help="The program's id.")],
    since: Day = None,
    until: Day = None,
    include_simulated: Annotated[
        bool, typer.Option(help="Count simulated conversations (askwhy simulate) too.")
    ] = False,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the funnel as JSON to this file.")
    ] = None,
) -> None:
    """The invitation funnel overall and per channel, language, moment and event attribute: invited,
    delivered, started, completed, abandoned, opted out, the response rate with its 95% interval,
    and the under-heard segments (marked !)."""
    if since and until and since >= until:
        raise fail("--until must be after --since")
    with opened() as container, container.reads() as session:
        try:
            found = segment_funnel(
                session=session,
                program=program,
                since=since.date() if since else None,
                until=until.date() if until else None,
                include_simulated=include_simulated,
            )
        except NoInvitations as exc:
            raise fail(str(exc), code=1) from None
    table = Table()
    table.add_column("segment", no_wrap=True)  # whole, so that it reads as the API names it
    for name in ("invited", "delivered", "started", "completed", "abandoned", "opted out"):
        table.add_column(name, justify="right")
    table.add_column("response rate (95% CI)")
    table.add_column("heard", justify="right")
    for row in (found.funnel.overall, *found.funnel.segments):
        table.add_row(*_cells(row))
    console.print(table)
    low = found.funnel.under_heard
    if low:
        console.print("under-heard: " + ", ".join(f"{s.attribute}={s.value}" for s in low), highlight=False)
    if found.skipped:
        console.print(f"not broken down (too many values): {', '.join(found.skipped)}", highlight=False)
    if json_file is not None:
        # Imported here: the report's models are for this option alone, and every `askwhy`
        # command, a worker's among them, imports this module first.
        from askwhy.report.funnel_results import SegmentFunnelsResult

        json_file.write_text(SegmentFunnelsResult.of(found).model_dump_json(indent=2), encoding="utf-8")
        console.print(f"wrote {json_file}", highlight=False)


def _cells(row: SegmentFunnel) -> list[str]:
    name = "all" if row.attribute == "all" else f"{row.attribute}={row.value}"
    heard = "" if row.heard_ratio is None else f"{row.heard_ratio:.2f}" + (" !" if row.under_heard else "")
    counts = [row.invited, row.delivered, row.started, row.completed, row.abandoned, row.opted_out]
    return [name, *map(str, counts), _rate(row.response), heard]


def _rate(rate: Proportion) -> str:
    if rate.value is None or rate.low is None or rate.high is None:
        return "–"
    return f"{100 * rate.value:.1f}% ({100 * rate.low:.1f}–{100 * rate.high:.1f})"
