"""The long steps of the analysis commands, each behind a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from askwhy.bootstrap import Container
from askwhy.cli.context import console
from askwhy.insights import analyse_responses, importing
from askwhy.insights.feedback_files import ColumnMapping, count_lines
from askwhy.insights.importing import ImportResult
from askwhy.store import day_recount
from askwhy.tasks.alerts import DETECT_EMERGING
from askwhy.tasks.retention import purge

if TYPE_CHECKING:
    from askwhy.insights.propose_themes import DiscoveryResult


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def import_step(
    container: Container, file: Path, mapping: ColumnMapping, *, program: str, channel: str
) -> ImportResult:
    """Import the file into the store, showing lines read."""
    with progress_bar() as bar:
        task = bar.add_task(f"importing {file.name}", total=max(count_lines(file) - 1, 1))
        result = importing.import_feedback(
            sessions=container.sessions,
            path=file,
            mapping=mapping,
            program=program,
            channel=channel,
            now=container.clock.now(),
            progress=lambda lines: bar.advance(task, lines),
        )
        bar.update(task, completed=bar.tasks[0].total)
    return result


def enrich_step(container: Container) -> int:
    """Enrich every pending response in batches, showing responses done."""
    with container.sessions.begin() as session:
        pending = len(analyse_responses.pending_responses(session=session))
    if not pending:
        return 0
    with console.status("loading the language model"):
        built = container.enricher
    with progress_bar() as bar:
        task = bar.add_task("analysing responses", total=pending)
        done = analyse_responses.enrich_pending(
            sessions=container.sessions,
            enricher=built,
            rule=container.assignment_rule,
            now=container.clock.now,
            batch_size=container.settings.analysis_batch_size,
            progress=lambda done: bar.advance(task, done),
        )
    if container.settings.raw_transcript_retention_days == 0:
        purge(container)  # keeping no raw text: it goes as soon as its redacted form is stored
    container.jobs.nudge(DETECT_EMERGING)  # a worker looks for emerging issues in what was imported
    return done


def brand_terms(container: Container) -> list[str]:
    """Names that must not label a theme: the configured terms and every guide's brand."""
    guides = {guide.brand for guide in container.guides.values() if guide.brand.lower() != "us"}
    return sorted({*container.settings.theme_brand_terms, *guides})


def discover_step(container: Container, *, include_simulated: bool = False) -> DiscoveryResult:
    """Discover themes in the unassigned pool (of real responses, unless ``include_simulated``)."""
    # Imported here: clustering brings SciPy and scikit-learn, and every `askwhy` command, a
    # worker's among them, imports this module before it starts.
    from askwhy.insights import propose_themes

    with console.status("discovering themes"), container.sessions.begin() as session:
        result = propose_themes.discover(
            session=session,
            rule=container.assignment_rule,
            now=container.clock.now(),
            min_theme_size=container.settings.theme_min_size,
            brand_terms=brand_terms(container),
            include_simulated=include_simulated,
        )
    console.print(
        f"{len(result.themes)} themes proposed; "
        f"{result.themed} of {result.pool} unthemed sentences now have one",
        highlight=False,
    )
    return result


def settle_step(container: Container) -> int:
    """Count the day tallies the import, the analysis and discovery marked, as the analysis
    worker's recount each minute would: the report's figures then read the tallies, not every
    marked cell's responses once per figure (a theme's subthemes each counted them again)."""
    with console.status("counting the day tallies"):
        return day_recount.settle_everything(sessions=container.sessions)
