"""Loading persona files from YAML, with errors that name the file, field and reason.

A file is checked on its own when loaded, and against its guide before a simulation (theme ids,
the score scale, the guide's languages), so a typo in a theme id is caught before any customer
is simulated rather than silently producing no theme.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from askwhy.domain.guide import Guide
from askwhy.domain.scales import SCALES
from askwhy.programs.yaml_files import YamlFileError, describe_errors, read_mapping
from askwhy.simulation.personas import REQUIRED_REPLIES, PersonaFile


class PersonaError(YamlFileError):
    """A persona file that cannot be used; the message says where and why."""


def load_personas(path: Path, *, guide: Guide | None = None) -> PersonaFile:
    """Read and validate one persona file, and check it against ``guide`` when one is given."""
    raw = read_mapping(path, what="a persona file", error=PersonaError)
    try:
        personas = PersonaFile.model_validate(raw)
    except ValidationError as exc:
        raise PersonaError("\n".join(describe_errors(path, exc))) from exc
    found = problems(personas) + (problems_with_guide(personas, guide) if guide else [])
    if found:
        raise PersonaError("\n".join(f"{path}: {problem}" for problem in found))
    return personas


def personas_for(folder: Path, guide: Guide) -> tuple[Path, PersonaFile]:
    """The persona file for ``guide`` in ``folder``: ``<guide id>.yaml``, else the file naming it."""
    for path in _candidates(folder, guide.id):
        if path.name.split(".")[0] == guide.id or _names_guide(path, guide.id):
            return path, load_personas(path, guide=guide)
    raise PersonaError(f"{folder}: no persona file for guide {guide.id!r} (expected {guide.id}.yaml)")


def problems(personas: PersonaFile) -> list[str]:
    """What makes a well-formed file unusable: duplicate ids, no weight, missing replies."""
    found = []
    seen: set[str] = set()
    for index, persona in enumerate(personas.personas):
        if persona.id in seen:
            found.append(f"personas[{index}].id: {persona.id!r} is used twice")
        seen.add(persona.id)
        replies = personas.replies_of(persona)
        found += [
            f"personas[{index}].{name}: no replies; give some here or in common.{persona.language}.{name}"
            for name in REQUIRED_REPLIES
            if not getattr(replies, name)
        ]
    if not any(persona.weight or persona.trend for persona in personas.personas):
        found.append("personas: every persona has weight 0")
    return found


def problems_with_guide(personas: PersonaFile, guide: Guide) -> list[str]:
    """Where the file does not fit the guide: its id, theme ids, score scale and languages."""
    found = [] if personas.guide == guide.id else [f"guide: is {personas.guide!r}, not {guide.id!r}"]
    themes = {theme.id for theme in guide.themes}
    known = ", ".join(sorted(themes)) or "none"
    scale = SCALES.get(guide.metric)
    for index, persona in enumerate(personas.personas):
        where = f"personas[{index}]"
        keyed_fields = [("reasons", persona.reasons), ("details", persona.details)]
        keyed_fields += [(f"by_band.{band}", reasons) for band, reasons in persona.by_band.items()]
        for field, keyed in keyed_fields:
            found += [
                f"{where}.{field}.{theme}: not a theme of guide {guide.id!r} (themes: {known})"
                for theme in keyed
                if theme not in themes
            ]
        if scale is not None:
            found += [
                f"{where}.scores.{score}: not on the {guide.metric.value} scale {scale.low}–{scale.high}"
                for score in persona.scores
                if not scale.contains(score)
            ]
        if persona.language not in guide.languages:
            found.append(f"{where}.language: guide {guide.id!r} does not speak {persona.language!r}")
    return found


def _candidates(folder: Path, guide_id: str) -> list[Path]:
    files = sorted(folder.glob("*.y*ml")) if folder.is_dir() else []
    return sorted(files, key=lambda path: path.name.split(".")[0] != guide_id)


def _names_guide(path: Path, guide_id: str) -> bool:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(raw, dict) and raw.get("guide") == guide_id
