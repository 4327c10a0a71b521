# The fixtures of test_oidc_sign_in are imported, then named as the tests' arguments.
# ruff: noqa: F811
"""Attacks on single sign-on (``GET /sign-in/oidc`` and its callback), through the real app and a fake
provider on 127.0.0.1: a whole callback request replayed with its flow cookie, callbacks hammered
from one address, a return address slipped into the query, and HTML in what the provider says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.people import browser_sessions
from askwhy.service.app import create_app
from askwhy.service.workspace import oidc_flow_cookie
from askwhy.settings import Settings
from tests.conftest import GUIDES
from tests.fakes.oidc_issuer import FakeIssuer, PersonAtProvider
from tests.people.test_oidc_sign_in import (
    NAME,
    _at_provider,
    _leave_for_provider,
    _only_this_machine,  # noqa: F401 (an autouse fixture: no connection leaves this machine)
    ana,  # noqa: F401 (a fixture)
    browser,  # noqa: F401 (a fixture)
    issuer,  # noqa: F401 (a fixture)
)


def _assert_refused(browser: TestClient, response: Any, status: int, says: str) -> None:
    assert response.status_code == status
    assert says in response.text
    assert browser_sessions.COOKIE not in response.cookies
    assert browser.get("/").status_code == 303, "no session was started"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, issuer: FakeIssuer) -> Settings:
    """Single sign-on with the fake provider, three sign-in tries a minute per address."""
    return Settings(
        database_url=database_url, data_dir=tmp_path, guides_dir=GUIDES, seed_demo=False, queue_inline=True,
        public_base_url="http://testserver", oidc_issuer=issuer.issuer, oidc_client_id=issuer.client_id,
        oidc_client_secret=issuer.client_secret, oidc_display_name=NAME, rate_limit_sign_ins="3/minute",
    )  # fmt: skip


def test_a_whole_callback_replayed_with_its_flow_cookie_starts_no_second_session(
    browser: TestClient, ana: str, container: Container, issuer: FakeIssuer
) -> None:
    back = _at_provider(_leave_for_provider(browser))
    flow = browser.cookies.get(oidc_flow_cookie.COOKIE, path=oidc_flow_cookie.PATH)
    assert flow
    assert browser.get(back).status_code == 303
    with TestClient(create_app(container), follow_redirects=False) as thief:
        thief.cookies.set(oidc_flow_cookie.COOKIE, flow, path=oidc_flow_cookie.PATH)
        replayed = thief.get(back)
        _assert_refused(thief, replayed, 401, "refused the sign-in code")
    assert issuer.token_answers == [200, 400], "the provider was asked, and refused the used code"


def test_callbacks_from_one_address_are_throttled_before_the_provider_is_asked(
    browser: TestClient, ana: str, container: Container, issuer: FakeIssuer
) -> None:
    for _ in range(3):
        back = _at_provider(_leave_for_provider(browser))
        guessed = back.replace("code=", "code=guessed")
        assert browser.get(guessed).status_code == 401
    asked = len(issuer.token_answers)
    back = _at_provider(_leave_for_provider(browser))
    throttled = browser.get(back)
    _assert_refused(browser, throttled, 429, "Too many tries")
    assert len(issuer.token_answers) == asked, "the throttled callback did not reach the provider"
    with TestClient(create_app(container), client=("203.0.113.9", 50000), follow_redirects=False) as other:
        assert other.get(_at_provider(_leave_for_provider(other))).status_code == 303, "another address"


@pytest.mark.parametrize(
    "query", ["next=https://evil.example/", "return_to=//evil.example", "redirect_uri=x"]
)
def test_a_return_address_in_the_query_is_ignored(
    browser: TestClient, ana: str, container: Container, query: str
) -> None:
    started = browser.get(f"/sign-in/oidc?{query}")
    assert started.status_code == 303
    assert "evil.example" not in started.headers["location"]
    signed_in = browser.get(f"{_at_provider(started.headers['location'])}&{query}")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/", "the session always starts at the workspace's home"


def test_html_in_the_providers_error_is_shown_as_text(browser: TestClient, ana: str) -> None:
    back = _at_provider(_leave_for_provider(browser))
    state = back.split("state=")[1].split("&")[0]
    hostile = f"/sign-in/oidc/callback?state={state}&error=%3Cscript%3Ealert(1)%3C%2Fscript%3E%01"
    page = browser.get(hostile)
    _assert_refused(browser, page, 401, "did not sign you in")
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_a_huge_state_is_refused_without_a_session(browser: TestClient, ana: str) -> None:
    _leave_for_provider(browser)
    answer = browser.get(f"/sign-in/oidc/callback?state={'s' * 5000}&code=c")
    assert answer.status_code == 422
    assert browser_sessions.COOKIE not in answer.cookies


def test_a_name_from_the_provider_with_html_is_escaped_in_the_workspace(
    settings: Settings,
    clock: FakeClock,
    issuer: FakeIssuer,
) -> None:
    creating = settings.model_copy(
        update={"oidc_create_accounts": True, "oidc_allowed_domains": ["example.com"]}
    )
    built = bootstrap(creating, clock=clock)
    issuer.person = PersonAtProvider(email="eve@example.com", name='<img src=x onerror="alert(1)">')
    with TestClient(create_app(built), follow_redirects=False) as browser:
        assert browser.get(_at_provider(_leave_for_provider(browser))).status_code == 303
        home = browser.get("/")
    built.close()
    assert home.status_code == 200
    assert "&lt;img src=x onerror=" in home.text
    assert "<img src=x" not in home.text
