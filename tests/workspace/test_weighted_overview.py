"""The overview shows a program's figures raw and weighted side by side, with the design effect,
or says why they are raw only."""

from __future__ import annotations

import re

import pytest

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from tests.weighting.invited_store import add_invitations, add_program, skewed_population
from tests.workspace.conftest import SignIn

pytest_plugins = ("tests.insights.fixtures",)


@pytest.fixture
def container(insights_container: Container) -> Container:
    """The workspace's container with the hashing embedder, so no model is loaded."""
    return insights_container


def test_the_overview_shows_raw_and_weighted_side_by_side(container: Container, sign_in: SignIn) -> None:
    with container.sessions.begin() as session:
        add_program(session, weighting={"method": "post-stratification", "segments": ["plan"]})
        add_invitations(session, skewed_population())
    page = sign_in(Role.ANALYST).get("/programs/renewal").text
    assert 'data-weighting="weighted"' in page
    raw = re.search(r'data-figure="raw">(-?[\d.]+)<', page)
    weighted = re.search(r'data-figure="weighted">(-?[\d.]+)<', page)
    assert raw
    assert weighted
    assert (float(raw.group(1)), float(weighted.group(1))) == (60.0, 0.0)
    assert "design effect 1.56" in page


def test_the_overview_of_a_program_without_weighting_says_why(container: Container, sign_in: SignIn) -> None:
    with container.sessions.begin() as session:
        add_program(session)
        add_invitations(session, skewed_population())
    page = sign_in(Role.ANALYST).get("/programs/renewal").text
    assert 'data-weighting="raw only"' in page
    assert "names no weighting segments" in page
