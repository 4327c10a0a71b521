"""Loading program YAML files, with errors that name the file, the field and the reason."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import yaml
from pydantic import ValidationError

from askwhy.domain.program import Program
from askwhy.guides import describe_errors


class ProgramError(ValueError):
    """Program files that cannot be used; the message has one line per problem."""


def load_program(path: Path) -> Program:
    """Read and validate one program file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProgramError(f"{path}: cannot read file: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "YAML"
        raise ProgramError(f"{path}: {where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(raw, dict):
        raise ProgramError(f"{path}: a program must be a YAML mapping of fields")
    try:
        return Program.model_validate(raw)
    except ValidationError as exc:
        raise ProgramError("\n".join(describe_errors(path, exc))) from exc


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
