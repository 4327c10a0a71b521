"""A guide may promise that someone follows up only if its program has a team with an SLA behind it.

A promise without a team is worse than no promise: the customer waits for a call that never comes.
So syncing refuses it, naming the program file, the guide file and the field that makes the promise.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from askwhy.domain.guide import Guide
from askwhy.domain.program import Program


def promised_contact(guide: Guide) -> list[str]:
    """The guide's fields that tell a customer a person will follow up."""
    fields = []
    if guide.close_the_loop is not None:
        fields.append("close_the_loop.offer")
    if guide.messages.help_acknowledged is not None:
        fields.append("messages.help_acknowledged")
    return fields


def unkept_promises(
    programs: Mapping[str, tuple[Program, Path]],
    guides: Mapping[str, Guide],
    guide_paths: Mapping[str, Path] | None = None,
) -> list[str]:
    """One line per program whose guide promises contact with no team with an SLA to keep it."""
    problems = []
    for program, path in (programs[key] for key in sorted(programs)):
        guide = guides.get(program.guide)
        fields = promised_contact(guide) if guide is not None else []
        if not fields or program.follows_up:
            continue
        guide_file = (guide_paths or {}).get(program.guide, f"guide {program.guide!r}")
        problems.append(
            f"{path}: teams: the guide {guide_file} promises contact ({', '.join(fields)}) but this program "
            "has no team with an SLA; add a team with sla.first_response_hours and sla.resolution_hours, "
            "or remove those fields from the guide"
        )
    return problems
