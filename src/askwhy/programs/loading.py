"""Loading program YAML files, with errors that name the file, the field and the reason."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from askwhy.domain.program import Program
from askwhy.programs.yaml_files import YamlFileError, load_model


class ProgramError(YamlFileError):
    """Program files that cannot be used; the message has one line per problem."""


def load_program(path: Path) -> Program:
    """Read and validate one program file."""
    return load_model(path, Program, what="a program", error=ProgramError)


def load_programs(folder: Path, *, guides: Collection[str]) -> dict[str, tuple[Program, Path]]:
    """Every program in ``folder`` by id; all problems of all files are reported together."""
    found: dict[str, tuple[Program, Path]] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        try:
            program = load_program(path)
        except ProgramError as exc:
            problems.append(str(exc))
            continue
        if program.id in found:
            problems.append(f"{path}: id: {program.id!r} is already used by {found[program.id][1]}")
            continue
        if program.guide not in guides:
            known = ", ".join(sorted(guides)) or "none loaded"
            problems.append(f"{path}: guide: no guide {program.guide!r} (known: {known})")
            continue
        found[program.id] = (program, path)
    if problems:
        raise ProgramError("\n".join(problems))
    return found
