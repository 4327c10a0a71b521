"""`askwhy chat GUIDE`: hold a conversation from a guide in the terminal, to try it before launch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from askwhy.cli.context import fail, opened
from askwhy.programs.guides import GuideError, load_guide


def chat(
    guide_file: Annotated[Path, typer.Argument(help="The guide YAML file to try.")],
    language: Annotated[
        str | None, typer.Option("--language", "-l", help="Start in this language (en, es…).")
    ] = None,
    store: Annotated[bool, typer.Option("--store", help="Store the conversation in the database.")] = False,
) -> None:
    """Chat with the interviewer in the terminal, exactly as a customer would on a channel."""
    from askwhy.cli.terminal_chat import TerminalChat

    try:
        guide = load_guide(guide_file)
    except GuideError as exc:
        raise fail(str(exc)) from None
    if not store:
        TerminalChat(guide=guide, language=language).run()
        return
    with opened() as container:
        container.guides.guides[guide.id] = guide  # the file being tried wins
        TerminalChat(guide=guide, language=language, container=container).run()
