"""Signing in to the workspace, as a browser would: forms with CSRF tokens, the session cookie,
one-time links, sign-out, disabled accounts, throttling and the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.clock import FakeClock
from askwhy.domain.people import Role
from askwhy.people import accounts, browser_sessions
from askwhy.people.passwords import WeakPassword
from askwhy.service.app import create_app
from askwhy.store.people_tables import AuditEntry

EMAIL = "ana@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def ana(container: Container) -> str:
    with container.sessions.begin() as session:
        person = accounts.create_person(
            session=session, email=EMAIL, name="Ana", role=Role.ANALYST, password=PASSWORD,
            now=container.clock.now(),
        )  # fmt: skip
        return person.id


@pytest.fixture
def browser(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), follow_redirects=False) as client:
        yield client


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def _sign_in(browser: TestClient, *, email: str = EMAIL, password: str = PASSWORD) -> int:
    token = _csrf(browser.get("/sign-in").text)
    return browser.post("/sign-in", data={"email": email, "password": password, "csrf": token}).status_code


def _audit(container: Container) -> list[str]:
    with container.sessions() as session:
        return [entry.action for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_the_workspace_sends_strangers_to_the_sign_in_page(browser: TestClient) -> None:
    response = browser.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"


def test_a_password_signs_in_with_an_httponly_cookie_and_opens_the_workspace(
    browser: TestClient, ana: str, container: Container
) -> None:
    assert _sign_in(browser) == 303
    cookie = next(c for c in browser.cookies.jar if c.name == browser_sessions.COOKIE)
    assert cookie.has_nonstandard_attr("HttpOnly")
    page = browser.get("/")
    assert page.status_code == 200
    assert "Ana" in page.text
    assert "post-checkout" in page.text
    assert "sign_in" in _audit(container)


def test_a_wrong_password_or_unknown_account_gets_the_same_answer(
    browser: TestClient, ana: str, container: Container
) -> None:
    wrong = browser.post(
        "/sign-in",
        data={"email": EMAIL, "password": "not it at all", "csrf": _csrf(browser.get("/sign-in").text)},
    )
    unknown = browser.post(
        "/sign-in",
        data={
            "email": "nobody@example.com",
            "password": PASSWORD,
            "csrf": _csrf(browser.get("/sign-in").text),
        },
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match" in wrong.text
    assert "do not match" in unknown.text
    assert browser.get("/").status_code == 303
    assert _audit(container).count("sign_in.refused") == 2


def test_a_form_without_its_csrf_token_is_refused(browser: TestClient, ana: str) -> None:
    browser.get("/sign-in")
    response = browser.post("/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf": "0" * 64})
    assert response.status_code == 403
    assert _sign_in(browser) == 303
    assert browser.post("/sign-out", data={"csrf": "0" * 64}).status_code == 403
    assert browser.get("/").status_code == 200


def test_a_tampered_session_cookie_opens_nothing(browser: TestClient, ana: str) -> None:
    assert _sign_in(browser) == 303
    cookie = browser.cookies.get(browser_sessions.COOKIE)
    assert cookie
    browser.cookies.delete(browser_sessions.COOKIE)
    browser.cookies.set(browser_sessions.COOKIE, cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    assert browser.get("/").status_code == 303


def test_a_session_expires(browser: TestClient, ana: str, clock: FakeClock, container: Container) -> None:
    assert _sign_in(browser) == 303
    clock.advance(hours=container.settings.workspace_session_hours + 1)
    assert browser.get("/").status_code == 303


def test_signing_out_ends_the_session_even_for_a_copied_cookie(browser: TestClient, ana: str) -> None:
    assert _sign_in(browser) == 303
    copied = browser.cookies.get(browser_sessions.COOKIE)
    csrf = _csrf(browser.get("/").text)
    assert browser.post("/sign-out", data={"csrf": csrf}).status_code == 303
    browser.cookies.set(browser_sessions.COOKIE, copied)
    assert browser.get("/").status_code == 303


def test_a_disabled_account_loses_its_session_and_cannot_sign_in(
    browser: TestClient, ana: str, container: Container
) -> None:
    assert _sign_in(browser) == 303
    with container.sessions.begin() as session:
        accounts.disable(session=session, email=EMAIL, now=container.clock.now())
    assert browser.get("/").status_code == 303
    assert _sign_in(browser) == 401


def test_a_sign_in_link_works_once_through_its_button(
    browser: TestClient, ana: str, container: Container
) -> None:
    with container.sessions.begin() as session:
        secret = accounts.issue_sign_in_link(
            session=session, email=EMAIL, now=container.clock.now(), valid=timedelta(minutes=30)
        )
    page = browser.get(f"/sign-in/link/{secret}")
    assert page.status_code == 200
    assert browser.get("/").status_code == 303, "fetching the link alone signs nobody in"
    csrf = _csrf(page.text)
    assert browser.post(f"/sign-in/link/{secret}", data={"csrf": csrf}).status_code == 303
    assert browser.get("/").status_code == 200
    assert browser.post(f"/sign-in/link/{secret}", data={"csrf": csrf}).status_code == 410


def test_an_expired_sign_in_link_is_refused(
    browser: TestClient, ana: str, container: Container, clock: FakeClock
) -> None:
    with container.sessions.begin() as session:
        secret = accounts.issue_sign_in_link(
            session=session, email=EMAIL, now=container.clock.now(), valid=timedelta(minutes=30)
        )
    clock.advance(minutes=31)
    csrf = _csrf(browser.get(f"/sign-in/link/{secret}").text)
    assert browser.post(f"/sign-in/link/{secret}", data={"csrf": csrf}).status_code == 410
    assert browser.get("/").status_code == 303


def test_guessing_passwords_is_throttled(browser: TestClient, ana: str) -> None:
    codes = [_sign_in(browser, password=f"guess number {i:04d}") for i in range(12)]
    assert codes[:10] == [401] * 10
    assert codes[10:] == [429, 429]
    assert _sign_in(browser) == 429, "the right password waits too"


def test_only_an_empty_workspace_gets_a_first_owner_link(container: Container) -> None:
    with container.sessions.begin() as session:
        first = accounts.first_owner_link(
            session=session, now=container.clock.now(), valid=timedelta(hours=1)
        )
        again = accounts.first_owner_link(
            session=session, now=container.clock.now(), valid=timedelta(hours=1)
        )
        owner = accounts.list_people(session=session)[0]
    assert first
    assert again is None
    assert owner.role == "owner"
    assert owner.password_hash is None


def test_short_passwords_and_taken_addresses_are_refused(container: Container, ana: str) -> None:
    with container.sessions.begin() as session:
        with pytest.raises(WeakPassword):
            accounts.set_password(session=session, email=EMAIL, password="short", now=container.clock.now())
        with pytest.raises(accounts.AccountError, match="exists already"):
            accounts.create_person(
                session=session, email=EMAIL.upper(), name="", role=Role.VIEWER, now=container.clock.now()
            )
