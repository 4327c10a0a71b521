"""The figures a server warms at start: the first view of a program's overview and codebook after
a start reuses them (the same questions the pages ask) instead of counting."""

from __future__ import annotations

import pytest

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.service.workspace.warm_figures import warm_figures
from tests.workspace.conftest import SignIn
from tests.workspace.test_query_counts import statements, viewed

pytest_plugins = ("tests.insights.fixtures",)


@pytest.fixture
def container(insights_container: Container) -> Container:
    """The workspace's container with the hashing embedder, so no model is loaded."""
    return insights_container


@pytest.mark.parametrize("path", ["/programs/reviews", "/programs/reviews/themes"])
def test_a_page_warmed_at_start_counts_nothing_when_first_shown(
    analysed: Container, sign_in: SignIn, path: str
) -> None:
    browser = sign_in(Role.ANALYST)
    warm_figures(analysed).join(timeout=120)
    with statements(analysed) as seen:
        viewed(browser, path)
    assert seen, "the page read the data version at least"
    assert not [s for s in seen if "GROUP BY" in s], "\n".join(seen)


def test_nothing_to_warm_in_an_empty_store(container: Container) -> None:
    thread = warm_figures(container)
    thread.join(timeout=60)
    assert not thread.is_alive()
