"""The YAML files a team keeps under version control (guides, programs, personas), read and
validated with errors that name the file, the line or field, and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


class YamlFileError(ValueError):
    """A file that cannot be used; the message has one line per problem."""


def load_model(
    path: Path, model: type[Model], *, what: str, error: type[YamlFileError] = YamlFileError
) -> Model:
    """Read ``path`` and validate it as ``model``; ``what`` names the kind of file in messages."""
    raw = read_mapping(path, what=what, error=error)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error("\n".join(describe_errors(path, exc))) from exc


def read_mapping(path: Path, *, what: str, error: type[YamlFileError] = YamlFileError) -> dict[str, Any]:
    """The file's top-level mapping, or ``error`` saying why it cannot be read."""
    raw = _read(path, error=error)
    if not isinstance(raw, dict):
        raise error(f"{path}: {what} must be a YAML mapping of fields")
    return raw


def read_list(path: Path, *, what: str, error: type[YamlFileError] = YamlFileError) -> list[Any]:
    """The file's top-level list, or ``error`` saying why it cannot be read."""
    raw = _read(path, error=error)
    if not isinstance(raw, list):
        raise error(f"{path}: {what} must be a YAML list, one item per entry")
    return raw


def _read(path: Path, *, error: type[YamlFileError]) -> Any:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read file: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "YAML"
        raise error(f"{path}: {where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    return raw


def describe_errors(path: Path | str, exc: ValidationError) -> list[str]:
    """One line per problem: ``file: field.path: reason``."""
    lines = []
    for problem in exc.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        reason = "field required" if problem["type"] == "missing" else problem["msg"]
        if problem["type"] == "extra_forbidden":
            reason = "unknown field"
        lines.append(f"{path}: {where}: {reason}")
    return lines
