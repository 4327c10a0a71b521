"""Loading interview guides from YAML files, with errors that name the file, field and reason."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from askwhy.domain.guide import Guide


class GuideError(ValueError):
    """A guide file that cannot be used; the message says where and why."""


def load_guide(path: Path) -> Guide:
    """Read and validate one guide file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GuideError(f"{path}: cannot read file: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "YAML"
        raise GuideError(f"{path}: {where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(raw, dict):
        raise GuideError(f"{path}: a guide must be a YAML mapping of fields")
    try:
        return Guide.model_validate(raw)
    except ValidationError as exc:
        raise GuideError("\n".join(describe_errors(path, exc))) from exc


def describe_errors(path: Path | str, exc: ValidationError) -> list[str]:
    """One line per problem: ``file: field.path: reason``."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        reason = "field required" if error["type"] == "missing" else error["msg"]
        if error["type"] == "extra_forbidden":
            reason = "unknown field"
        lines.append(f"{path}: {where}: {reason}")
    return lines


@dataclass
class GuideLibrary(Mapping[str, Guide]):
    """The guides in a folder, by id. Each guide is also a web chat program of the same name."""

    guides: dict[str, Guide] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def from_folder(cls, folder: Path) -> GuideLibrary:
        library = cls()
        for path in sorted(folder.glob("*.y*ml")):
            library.add(load_guide(path), path)
        return library

    def add(self, guide: Guide, path: Path | None = None) -> None:
        if guide.id in self.guides:
            raise GuideError(f"{path}: id {guide.id!r} is already used by {self.paths.get(guide.id)}")
        self.guides[guide.id] = guide
        if path:
            self.paths[guide.id] = path

    def __getitem__(self, key: str) -> Guide:
        return self.guides[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.guides)

    def __len__(self) -> int:
        return len(self.guides)
