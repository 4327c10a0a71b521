# The fixtures of test_share_links are imported, then named as the tests' arguments.
# ruff: noqa: F811
"""Attacks on share links (``GET /shared/{token}``), the one workspace page open to anyone holding a
link: opening links over and over from one address, and widening a filtered link through the query."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.settings import Settings
from tests.workspace.conftest import SignIn
from tests.workspace.test_share_links import (  # noqa: F401 (fixtures)
    _share,
    container,
    reviews,
    stranger,
)

pytest_plugins = ("tests.insights.fixtures",)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_link_opens": "3/minute"})


def test_link_opens_are_limited_per_address_with_retry_after(
    container: Container, sign_in: SignIn, stranger: TestClient
) -> None:
    path = _share(sign_in(None, programs={"reviews": Role.ANALYST}))
    for _ in range(3):
        assert stranger.get(path).status_code == 200
    throttled = stranger.get(path)
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 60
    guessed = stranger.get("/shared/" + "A" * 60)
    assert guessed.status_code == 429, "guessing tokens counts against the same limit"


def test_the_query_cannot_widen_what_a_link_shows(
    container: Container, sign_in: SignIn, stranger: TestClient
) -> None:
    path = _share(sign_in(None, programs={"reviews": Role.ANALYST}), query="segment=Department%3ATops")
    narrow = stranger.get(path)
    widened = stranger.get(f"{path}?segment=&since=2000-01-01&simulated=include&program=other")
    assert (narrow.status_code, widened.status_code) == (200, 200)
    assert "Tops" in widened.text
    assert widened.text == narrow.text, "the stored filters alone decide what is shown"
