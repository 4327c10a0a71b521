"""Who may open a program's pages: a role in it, globally or for that program; others get 404."""

from __future__ import annotations

from askwhy.domain.people import Role
from askwhy.service.workspace.filters import read_filters
from tests.workspace.conftest import SignIn


def test_a_person_with_no_role_in_a_program_gets_404_not_403(sign_in: SignIn) -> None:
    scoped = sign_in(None, programs={"post-checkout": Role.ANALYST})
    assert scoped.get("/programs/post-checkout").status_code == 200
    assert scoped.get("/programs/some-other-program").status_code == 404


def test_filters_that_do_not_parse_are_dropped_and_named() -> None:
    filters = read_filters(since="yesterday", until=None, segment=["nocolon", "region:north"], period="year")
    assert filters.since is None
    assert filters.period is None
    assert filters.segment == {"region": "north"}
    assert len(filters.problems) == 3
    assert "segment=region%3Anorth" in filters.query()


def test_from_after_until_drops_both() -> None:
    filters = read_filters(since="2026-02-01", until="2026-01-01")
    assert filters.since is None
    assert filters.until is None
    assert filters.problems
