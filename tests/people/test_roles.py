"""Roles: each includes the rights of those below it; a program role adds to the global one."""

from __future__ import annotations

import pytest

from askwhy.domain.people import Role, effective_role


@pytest.mark.parametrize(
    ("role", "edits", "raw", "manages"),
    [
        (Role.VIEWER, False, False, False),
        (Role.ANALYST, True, False, False),
        (Role.ADMIN, True, True, True),
        (Role.OWNER, True, True, True),
    ],
)
def test_what_each_role_may_do(role: Role, edits: bool, raw: bool, manages: bool) -> None:
    assert (role.edits_codebook, role.reads_raw_text, role.manages_people) == (edits, raw, manages)


def test_a_program_role_applies_to_its_program_only() -> None:
    roles = {"post-checkout": Role.ANALYST}
    assert effective_role(global_role=None, program_roles=roles, program="post-checkout") is Role.ANALYST
    assert effective_role(global_role=None, program_roles=roles, program="support-call") is None


def test_the_higher_of_the_global_and_program_role_wins() -> None:
    roles = {"post-checkout": Role.ADMIN}
    assert effective_role(global_role=Role.VIEWER, program_roles=roles, program="post-checkout") is Role.ADMIN
    assert effective_role(global_role=Role.OWNER, program_roles=roles, program="post-checkout") is Role.OWNER
