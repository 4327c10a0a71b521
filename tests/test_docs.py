"""Docs are tested against the code: every CLI command is documented, and so is every setting."""

from __future__ import annotations

import re
from typing import Any

import typer.main

from askwhy.cli import app

from .conftest import ROOT


def _command_paths(command: Any, prefix: str = "askwhy") -> list[str]:
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        return [prefix]
    paths = []
    for name, sub in subcommands.items():
        paths += _command_paths(sub, f"{prefix} {name}")
    return paths


def test_every_cli_command_is_documented_in_docs_cli_md() -> None:
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#+ `(askwhy[^`]*)`", page, flags=re.MULTILINE))
    commands = _command_paths(typer.main.get_command(app))
    missing = [path for path in commands if path not in documented]
    assert not missing, f"document these commands in docs/cli.md: {missing}"


def test_docs_cli_md_names_no_command_that_does_not_exist() -> None:
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#+ `(askwhy[^`]*)`", page, flags=re.MULTILINE))
    commands = _command_paths(typer.main.get_command(app))
    groups = {" ".join(path.split()[:depth]) for path in commands for depth in range(1, len(path.split()))}
    assert documented - {*commands, *groups} == set()


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
