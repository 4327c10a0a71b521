"""`askwhy themes`: the codebook from the terminal: list, show, rename, merge, split, accept, delete.

Rename, merge, split and accept are logged like the workspace's edits, so they can be undone from
its history page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from askwhy.bootstrap import Container
from askwhy.cli.context import console, fail, opened
from askwhy.cli.steps import discover_step, enrich_step
from askwhy.insights import codebook, codebook_history
from askwhy.insights.codebook_history import Editor
from askwhy.insights.selection import Selection
from askwhy.insights.theme_views import ThemeSummary, list_themes, show_theme

app = typer.Typer(
    help="The themes codebook: review, rename, merge, split, accept, delete.", no_args_is_help=True
)
ThemeId = Annotated[str, typer.Argument(help="Theme id (from `askwhy themes list`).")]
IncludeSimulated = Annotated[
    bool,
    typer.Option("--include-simulated", help="Count simulated responses (demo data, askwhy simulate) too."),
]
T = TypeVar("T")


@contextmanager
def _editing() -> Iterator[tuple[Container, Session]]:
    with opened() as container, container.sessions.begin() as session:
        yield container, session


def _editor(container: Container) -> Editor:
    """Edits from the terminal are logged with no person, and can be undone in the workspace."""
    return Editor(person_id=None, program=None, now=container.clock.now())


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except codebook.ThemeNotFound as exc:
        raise fail(f"no theme {exc} (see `askwhy themes list`)") from None
    except codebook.CodebookError as exc:
        raise fail(str(exc)) from None


@app.command("list")
def list_command(include_simulated: IncludeSimulated = False) -> None:
    """Every theme with its volume and sentiment, most mentioned first."""
    selection = Selection(include_simulated=include_simulated)
    with _editing() as (_, session):
        themes = list_themes(session=session, selection=selection)
    table = Table("label", "status", "responses", "share", "sentiment", "parent")
    table.add_column("id", no_wrap=True, min_width=32)
    for theme in themes:
        table.add_row(*_cells(theme))
    console.print(table if themes else "no themes yet (run `askwhy themes discover`)")
    _say_simulated(selection)


@app.command("show")
def show(theme_id: ThemeId, include_simulated: IncludeSimulated = False) -> None:
    """A theme with its keywords, quotes and children."""
    selection = Selection(include_simulated=include_simulated)
    with _editing() as (container, session):
        level = container.near_duplicate
        detail = _run(
            lambda: show_theme(session=session, theme_id=theme_id, selection=selection, near_duplicate=level)
        )
    theme = detail.theme
    console.print(f"[bold]{theme.label}[/]  ({theme.id}, {theme.status})", highlight=False)
    if theme.description:
        console.print(theme.description, highlight=False)
    console.print(f"keywords: {', '.join(theme.keywords) or '—'}", highlight=False)
    console.print(f"{theme.responses} responses, {theme.mentions} sentences", highlight=False)
    for quote in detail.quotes:
        console.print(f"  “{quote.text}”  [dim]{quote.sentiment}, {quote.similarity:.2f}[/]", highlight=False)
    for child in detail.children:
        console.print(f"  child: {child.id} {child.label} ({child.responses} responses)", highlight=False)
    _say_simulated(selection)


@app.command("rename")
def rename(theme_id: ThemeId, name: Annotated[str, typer.Argument(help="The new label.")]) -> None:
    """Give a theme a new label."""
    with _editing() as (container, session):
        theme = _run(
            lambda: codebook_history.rename(
                session=session, editor=_editor(container), theme_id=theme_id, label=name
            )
        )
        console.print(f"{theme.id} is now “{theme.label}”", highlight=False)


@app.command("accept")
def accept(theme_id: ThemeId) -> None:
    """Accept a proposed theme into the codebook."""
    with _editing() as (container, session):
        theme = _run(
            lambda: codebook_history.accept(session=session, editor=_editor(container), theme_id=theme_id)
        )
        console.print(f"accepted {theme.id} “{theme.label}”", highlight=False)


@app.command("merge")
def merge(theme_id: ThemeId, into_id: Annotated[str, typer.Argument(help="The theme that remains.")]) -> None:
    """Fold a theme into another; its sentences move over."""
    with _editing() as (container, session):
        target = _run(
            lambda: codebook_history.merge(
                session=session, editor=_editor(container), theme_id=theme_id, into_id=into_id
            )
        )
        console.print(f"merged {theme_id} into {target.id} “{target.label}”", highlight=False)


@app.command("split")
def split(
    theme_id: ThemeId, parts: Annotated[int, typer.Option(min=2, max=10, help="How many parts.")] = 2
) -> None:
    """Split a theme into new child themes that take over its sentences."""
    with _editing() as (container, session):
        children = _run(
            lambda: codebook_history.split(
                session=session, editor=_editor(container), theme_id=theme_id, parts=parts
            )
        )
        for child in children:
            console.print(f"new theme {child.id} “{child.label}”", highlight=False)


@app.command("delete")
def delete(theme_id: ThemeId) -> None:
    """Delete a theme; its sentences without another theme return to the pool."""
    with _editing() as (_, session):
        pooled = _run(lambda: codebook.delete_theme(session=session, theme_id=theme_id))
        console.print(f"deleted {theme_id}; {pooled} sentences back in the pool", highlight=False)


@app.command("discover")
def discover(include_simulated: IncludeSimulated = False) -> None:
    """Analyse any waiting responses, then discover new themes among the unthemed sentences."""
    with opened() as container:
        enrich_step(container)
        discover_step(container, include_simulated=include_simulated)
    _say_simulated(Selection(include_simulated=include_simulated))


def _say_simulated(selection: Selection) -> None:
    if selection.include_simulated:
        console.print("simulated responses: included", highlight=False)
    else:
        console.print("simulated responses: excluded (--include-simulated counts them)", highlight=False)


def _cells(theme: ThemeSummary) -> list[str]:
    share = "—" if theme.share is None else f"{100 * theme.share:.1f}%"
    sentiment = "—" if theme.sentiment is None else f"{theme.sentiment:+.2f}"
    parent = (theme.parent_id or "")[:8]
    return [theme.label, theme.status, str(theme.responses), share, sentiment, parent, theme.id]
