"""`askwhy simulate`: synthetic customers through the real interviewer, stored flagged as simulated."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from askwhy.bootstrap import Container
from askwhy.cli.context import console, fail, opened
from askwhy.domain.guide import Guide
from askwhy.domain.metrics import estimate
from askwhy.domain.scales import SCALES
from askwhy.programs.guides import GuideError, load_guide
from askwhy.simulation import (
    Casting,
    LanguageMixError,
    PersonaError,
    Summary,
    load_personas,
    parse_language_mix,
    personas_for,
)
from askwhy.simulation import simulate as run_simulation

_BAR_WIDTH = 40


GuideOption = Annotated[
    str, typer.Option("--guide", "-g", help="Guide YAML file, or the id of a guide in ASKWHY_GUIDES_DIR.")
]
CountOption = Annotated[
    int, typer.Option("--n", "-n", min=1, max=1_000_000, help="Conversations to simulate.")
]
SeedOption = Annotated[
    int | None, typer.Option(help="Random seed: the same seed gives the same conversations. Default: new.")
]
DaysOption = Annotated[
    int, typer.Option(min=1, max=3650, help="Spread the conversations over this many past days.")
]
LanguageMixOption = Annotated[
    str | None,
    typer.Option(
        help="Share of conversations per language, e.g. es=0.2; the other languages share the rest."
    ),
]
PersonasOption = Annotated[
    Path | None, typer.Option(help="Persona YAML file. Default: the guide's file in ASKWHY_PERSONAS_DIR.")
]


def simulate(
    *,
    guide: GuideOption,
    n: CountOption = 100,
    seed: SeedOption = None,
    days: DaysOption = 56,
    language_mix: LanguageMixOption = None,
    personas: PersonasOption = None,
) -> None:
    """Run synthetic customers through the real interviewer and store them, flagged as simulated."""
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 1_000_000)
    with opened() as container:
        chosen = _guide(container, guide)
        casting = _casting(container, chosen, personas, language_mix)
        end = container.clock.now()
        with _progress() as progress:
            task = progress.add_task(f"simulating {chosen.id}", total=n)
            summary = run_simulation(
                sessions=container.sessions,
                guides=container.guides,
                casting=casting,
                count=n,
                seed=seed,
                days=days,
                end=end,
                on_progress=lambda done: progress.advance(task, done),
            )
    _report(summary, chosen, seed=seed)


def _guide(container: Container, name: str) -> Guide:
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            return load_guide(path)
        except GuideError as exc:
            raise fail(str(exc)) from None
    if name in container.guides:
        return container.guides[name]
    known = ", ".join(sorted(container.guides)) or "none"
    raise fail(f"{name}: no such guide file, nor a guide with that id (loaded guides: {known})")


def _casting(container: Container, guide: Guide, path: Path | None, language_mix: str | None) -> Casting:
    try:
        if path is None:
            _, cast = personas_for(container.settings.personas_dir, guide)
        else:
            cast = load_personas(path, guide=guide)
        return Casting(guide=guide, personas=cast, language_mix=parse_language_mix(language_mix or ""))
    except PersonaError as exc:
        raise fail(str(exc)) from None
    except LanguageMixError as exc:
        raise fail(f"--language-mix {exc}") from None


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _report(summary: Summary, guide: Guide, *, seed: int) -> None:
    console.print(
        f"stored [bold]{summary.stored}[/] simulated conversations for [bold]{guide.id}[/] "
        f"(seed {seed}; run again with --seed {seed} for the same ones)"
    )
    statuses = Table("status", "conversations", title="How they ended")
    for status, count in summary.statuses.most_common():
        statuses.add_row(status, str(count))
    console.print(statuses)
    languages = ", ".join(f"{language} {count}" for language, count in summary.languages.most_common())
    console.print(f"languages: {languages}")
    if guide.metric in SCALES:
        _report_scores(summary, guide)


def _report_scores(summary: Summary, guide: Guide) -> None:
    scale = SCALES[guide.metric]
    top = max(summary.scores.values(), default=1)
    table = Table("score", "responses", "", title="Score distribution")
    for score in range(scale.low, scale.high + 1):
        count = summary.scores.get(score, 0)
        table.add_row(str(score), str(count), "█" * round(_BAR_WIDTH * count / top))
    table.add_row("none", str(summary.scores.get(None, 0)), "")
    console.print(table)
    scores = [score for _, score in summary.scored]
    if not scores:
        return
    overall = estimate(scores, metric=guide.metric)
    console.print(f"{overall.label}: [bold]{overall.value:.1f}[/] from {overall.n} scores")
    _report_weeks(summary, guide)


def _report_weeks(summary: Summary, guide: Guide) -> None:
    start = min(when for when, _ in summary.scored)
    weeks: dict[int, list[int]] = {}
    for when, score in summary.scored:
        weeks.setdefault((when - start) // timedelta(days=7), []).append(score)
    table = Table("week of", "responses", "value", title="By week")
    for week, scores in sorted(weeks.items()):
        value = estimate(scores, metric=guide.metric)
        table.add_row(f"{start + timedelta(days=7 * week):%Y-%m-%d}", str(value.n), f"{value.value:.1f}")
    console.print(table)
