"""The team's roles and what each may do: the workspace asks these, never a role's name."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A person's role, globally or for one program; each includes the rights of those below it."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        """True when this role has every right ``other`` has."""
        return self.rank >= other.rank

    @property
    def edits_codebook(self) -> bool:
        """Rename, merge, split and accept themes; move a sentence to another theme."""
        return self.at_least(Role.ANALYST)

    @property
    def reads_raw_text(self) -> bool:
        """See customers' words unredacted (asked for with a reason, and logged)."""
        return self.at_least(Role.ADMIN)

    @property
    def manages_people(self) -> bool:
        """Create, disable and reset the accounts of others."""
        return self.at_least(Role.ADMIN)


def effective_role(*, global_role: Role | None, program_roles: dict[str, Role], program: str) -> Role | None:
    """The role a person has in ``program``: the higher of their global role and that program's."""
    candidates = [role for role in (global_role, program_roles.get(program)) if role is not None]
    return max(candidates, key=lambda role: role.rank) if candidates else None
