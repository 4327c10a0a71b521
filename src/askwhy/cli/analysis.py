"""`askwhy import` and `askwhy analyze`: existing feedback in, themes, metrics and a report out."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from askwhy.analysis.population_weights import Population
from askwhy.bootstrap import Container
from askwhy.cli.context import console, fail, load_settings, opened
from askwhy.cli.steps import discover_step, enrich_step, import_step, settle_step
from askwhy.domain.scales import Metric
from askwhy.domain.weighting_plan import WeightingMethod, WeightingPlan
from askwhy.insights.feedback_files import ColumnMapping, FeedbackFileError, guess_text_column
from askwhy.insights.population_files import PopulationFileError, read_invited, read_margins
from askwhy.insights.selection import Selection
from askwhy.insights.weighted_measures import GivenPopulation
from askwhy.privacy.exports import record_exports
from askwhy.store.private_files import private_folder

TextOption = Annotated[
    str | None, typer.Option("--text", help="Column with the customer's words (guessed when omitted).")
]
ScoreOption = Annotated[str | None, typer.Option("--score", help="Column with the score.")]
MetricOption = Annotated[Metric | None, typer.Option("--metric", help="What the score measures.")]
DateOption = Annotated[str | None, typer.Option("--date", help="Column with the response date.")]
DateFormatOption = Annotated[
    str | None, typer.Option("--date-format", help="strptime format of the dates, e.g. %d/%m/%Y.")
]
IdOption = Annotated[
    str | None, typer.Option("--id", help="Column with a unique id (default: a hash of the row).")
]
SegmentOption = Annotated[
    list[str] | None, typer.Option("--segment", help="Column to break results down by; repeatable.")
]
ProgramOption = Annotated[
    str | None, typer.Option("--program", help="Program name (default: the file name).")
]
ChannelOption = Annotated[str, typer.Option("--channel", help="Channel the feedback came from.")]
MarginsOption = Annotated[
    Path | None,
    typer.Option(
        "--margins",
        exists=True,
        dir_okay=False,
        help="YAML of the population's shares per --segment column, to weight the comments to.",
    ),
]
InvitedOption = Annotated[
    Path | None,
    typer.Option(
        "--invited",
        exists=True,
        dir_okay=False,
        help="CSV of everyone invited, with the --segment columns, to weight the comments to.",
    ),
]
WeightingOption = Annotated[
    WeightingMethod,
    typer.Option("--weighting", help="How to weight to --margins or --invited (propensity needs a program)."),
]


def import_feedback(  # noqa: PLR0917 (Typer maps options to parameters)
    file: Annotated[Path, typer.Argument(help="CSV or JSONL file of feedback.", exists=True, dir_okay=False)],
    text: TextOption = None,
    score: ScoreOption = None,
    metric: MetricOption = None,
    date_column: DateOption = None,
    date_format: DateFormatOption = None,
    id_column: IdOption = None,
    segment: SegmentOption = None,
    program: ProgramOption = None,
    channel: ChannelOption = "import",
    enrich: Annotated[
        bool, typer.Option(help="Analyse the imported responses now (else the worker does).")
    ] = True,
) -> None:
    """Import existing feedback; bad rows are reported by line and the good ones still import."""
    mapping = _mapping(
        file,
        text=text,
        score=score,
        metric=metric,
        date_column=date_column,
        date_format=date_format,
        id_column=id_column,
        segment=segment,
    )
    with opened() as container:
        _import(container, file, mapping, program or file.stem, channel)
        if enrich:
            enrich_step(container)


def analyze(  # noqa: PLR0917 (Typer maps options to parameters)
    file: Annotated[Path, typer.Argument(help="CSV or JSONL file of comments.", exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", help="Folder for the report and its files.")] = Path("report"),
    text: TextOption = None,
    score: ScoreOption = None,
    metric: MetricOption = None,
    date_column: DateOption = None,
    date_format: DateFormatOption = None,
    id_column: IdOption = None,
    segment: SegmentOption = None,
    program: ProgramOption = None,
    channel: ChannelOption = "import",
    from_date: Annotated[
        str | None, typer.Option("--from", help="A date in the earlier period to compare (ISO).")
    ] = None,
    to_date: Annotated[
        str | None, typer.Option("--to", help="A date in the later period to compare (ISO).")
    ] = None,
    database: Annotated[
        str | None, typer.Option("--database", help="Database URL (default: a fresh SQLite file in --out).")
    ] = None,
    include_simulated: Annotated[
        bool,
        typer.Option(
            "--include-simulated", help="Count simulated responses (demo data, askwhy simulate) too."
        ),
    ] = False,
    margins: MarginsOption = None,
    invited: InvitedOption = None,
    weighting: WeightingOption = WeightingMethod.RAKING,
) -> None:
    """Import, analyse, discover themes, measure and write a self-contained report, in one step;
    with --margins or --invited, every figure also weighted to that population."""
    mapping = _mapping(
        file,
        text=text,
        score=score,
        metric=metric,
        date_column=date_column,
        date_format=date_format,
        id_column=id_column,
        segment=segment,
    )
    before, after = _day(from_date, "--from"), _day(to_date, "--to")
    if (before is None) != (after is None):
        raise fail("give both --from and --to, or neither (then the last two periods are compared)")
    population = _population(margins, invited, segments=list(segment or ()), method=weighting)
    private_folder(out)
    store = out / "askwhy.db"
    if database is None:
        for leftover in out.glob("askwhy.db*"):
            leftover.unlink()
    home = load_settings()
    settings = home.model_copy(
        update={"database_url": database or f"sqlite:///{store}", "data_dir": out, "queue_inline": True}
    )
    # Imported here: every `askwhy` command, a worker's among them, imports this module first,
    # and the report's models and templates are for this command alone.
    from askwhy.report.collect import collect
    from askwhy.report.render import write_report

    name = program or file.stem
    selection = Selection(program=name, include_simulated=include_simulated)
    with opened(settings) as container:
        _import(container, file, mapping, name, channel)
        enrich_step(container)
        discover_step(container)
        settle_step(container)
        with (
            console.status("measuring: metrics, drivers and the change"),
            container.sessions.begin() as session,
        ):
            report = collect(
                session=session,
                selection=selection,
                title=name,
                generated_at=container.clock.now(),
                before=before,
                after=after,
                max_themes=settings.driver_max_themes,
                resamples=settings.driver_resamples,
                population=population,
                weigh_by_program=False,
                near_duplicate=container.near_duplicate,
            )
        page = write_report(report, out)
    if database is not None:  # a report from askwhy's database: erasing a customer it quotes deletes it
        record_exports(data_dir=home.data_dir, paths=[page, *sorted(out.glob("*.csv")), out / "summary.json"])
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    if report.weighted is not None:
        console.print(report.weighted.explanation, highlight=False)
    console.print(f"simulated responses: {selection.simulated}", highlight=False)
    console.print(
        f"report: [bold]{page}[/] (with metrics.csv, themes.csv, drivers.csv, change.csv, weighted.csv, "
        "summary.json)"
    )


def _population(
    margins: Path | None, invited: Path | None, *, segments: list[str], method: WeightingMethod
) -> GivenPopulation | None:
    """The population --margins or --invited give, weighted on their --segment columns."""
    if margins is not None and invited is not None:
        raise fail("give --margins or --invited, not both")
    if method is WeightingMethod.PROPENSITY:
        raise fail("--weighting propensity needs a program's invitations; for a file use raking")
    try:
        if margins is not None:
            shares = read_margins(margins)
            unknown = [name for name in shares if name not in segments]
            if unknown:
                listed = ", ".join(segments) or "none given"
                raise fail(f"{margins}: {unknown[0]!r} is not a --segment column of the comments ({listed})")
            plan = WeightingPlan(method=method, segments=list(shares))
            return GivenPopulation(plan, Population(margins=shares), f"the shares in {margins.name}")
        if invited is not None:
            if not segments:
                raise fail("--invited weights on the --segment columns: name at least one")
            records = read_invited(invited, columns=segments)
            plan = WeightingPlan(method=method, segments=segments)
            return GivenPopulation(plan, Population(invited=records), f"the invited in {invited.name}")
    except PopulationFileError as exc:
        raise fail(str(exc)) from None
    return None


def _import(container: Container, file: Path, mapping: ColumnMapping, program: str, channel: str) -> None:
    try:
        result = import_step(container, file, mapping, program=program, channel=channel)
    except FeedbackFileError as exc:
        raise fail(str(exc)) from None
    console.print(
        f"{result.imported} responses imported, {result.already_present} already present, "
        f"{len(result.problems)} rows skipped",
        highlight=False,
    )
    if result.problems:
        table = Table("line", "problem", title=f"rows skipped in {file.name}", title_justify="left")
        for problem in result.problems[:20]:
            table.add_row(str(problem.line), problem.reason)
        console.print(table)
        if len(result.problems) > 20:
            console.print(f"… and {len(result.problems) - 20} more", highlight=False)


def _mapping(
    file: Path,
    *,
    text: str | None,
    score: str | None,
    metric: Metric | None,
    date_column: str | None,
    date_format: str | None,
    id_column: str | None,
    segment: list[str] | None,
) -> ColumnMapping:
    if score and metric in (None, Metric.NONE):
        raise fail("--score needs --metric nps, csat or ces")
    column = text or guess_text_column(file)
    if column is None:
        raise fail(f"{file}: name the column with the customer's words with --text")
    return ColumnMapping(
        text=column,
        score=score,
        metric=metric or Metric.NONE,
        date=date_column,
        id=id_column,
        segments=tuple(segment or ()),
        date_format=date_format,
    )


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not an ISO date such as 2024-03-31") from None
