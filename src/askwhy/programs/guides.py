"""Loading interview guides from YAML files, with errors that name the file, field and reason."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from askwhy.domain.guide import Guide
from askwhy.programs.yaml_files import YamlFileError, describe_errors, load_model

__all__ = ["GuideError", "GuideLibrary", "describe_errors", "load_guide"]


class GuideError(YamlFileError):
    """A guide file that cannot be used; the message says where and why."""


def load_guide(path: Path) -> Guide:
    """Read and validate one guide file."""
    return load_model(path, Guide, what="a guide", error=GuideError)


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
