"""Who may see which program in the workspace, and what their role there lets them do.

A program a person has no role in answers 404, never 403: an analyst of one program does not
learn the names of the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, status

from askwhy.domain.people import Role, effective_role
from askwhy.service.dependencies import ContainerDep
from askwhy.service.workspace.signed_in import SignedInPerson, Viewer
from askwhy.store.programs_seen import has_responses, programs_with_responses


@dataclass(frozen=True)
class ProgramAccess:
    """A signed-in person inside one program, with the role they have there."""

    viewer: Viewer
    program: str
    role: Role

    def require(self, needed: Role) -> None:
        """403 unless this person's role in the program is at least ``needed``."""
        if not self.role.at_least(needed):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this needs the {needed.value} role in {self.program}"
            )


def role_in(viewer: Viewer, program: str) -> Role | None:
    """The person's role in ``program``: the higher of their global role and that program's."""
    return effective_role(global_role=viewer.role, program_roles=viewer.program_roles, program=program)


def visible_programs(viewer: Viewer, container: ContainerDep) -> list[str]:
    """Every program the person has a role in: the guides' and those of stored responses."""
    with container.reads() as session:
        stored = programs_with_responses(session=session)
    names = sorted(set(container.guides) | set(stored))
    return [name for name in names if role_in(viewer, name) is not None]


def _program_access(
    viewer: SignedInPerson,
    container: ContainerDep,
    program: Annotated[str, Path(max_length=100)],
) -> ProgramAccess:
    role = role_in(viewer, program)
    if role is None or not _program_exists(container, program):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such program")
    return ProgramAccess(viewer=viewer, program=program, role=role)


def _program_exists(container: ContainerDep, program: str) -> bool:
    """A guide's program, or one some stored response names: the same programs `visible_programs`
    lists, asked for one name (every page and live poll asks, so it is one index seek at most)."""
    if program in container.guides:
        return True
    with container.reads() as session:
        return has_responses(session=session, program=program)


InProgram = Annotated[ProgramAccess, Depends(_program_access)]
"""The dependency of every page under ``/programs/{program}/``."""
