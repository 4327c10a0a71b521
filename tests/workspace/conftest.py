"""Workspace fixtures: a browser signed in as a person of a given role, with a CSRF token at hand."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.people import accounts, browser_sessions
from askwhy.service.app import create_app


class Browser(TestClient):
    """A test client holding one person's session cookie."""

    person_id: str

    def csrf(self, path: str = "/") -> str:
        """The CSRF token the forms of ``path`` carry."""
        match = re.search(r'name="csrf" value="([0-9a-f]+)"', self.get(path).text)
        assert match, f"{path} has a form with a CSRF token"
        return match.group(1)


SignIn = Callable[..., Browser]


@pytest.fixture
def sign_in(container: Container) -> Iterator[SignIn]:
    """``sign_in(Role.ANALYST)`` or ``sign_in(None, programs={"p": Role.VIEWER})``: a signed-in browser."""
    opened: list[Browser] = []

    def signed_in(role: Role | None, *, programs: dict[str, Role] | None = None, name: str = "") -> Browser:
        now = container.clock.now()
        label = name or (role.value if role else "scoped")
        with container.sessions.begin() as session:
            person = accounts.create_person(
                session=session, email=f"{label}-{len(opened)}@example.com", name=label.title(),
                role=role, program_roles=programs, now=now,
            )  # fmt: skip
            person_id, version = person.id, person.session_version
        browser = Browser(create_app(container), follow_redirects=False)
        browser.__enter__()
        cookie = browser_sessions.seal(
            secret_key=container.settings.secret_key.get_secret_value(),
            person_id=person_id, session_version=version, now=now,
        )  # fmt: skip
        browser.cookies.set(browser_sessions.COOKIE, cookie)
        browser.person_id = person_id
        opened.append(browser)
        return browser

    yield signed_in
    for browser in opened:
        browser.__exit__(None, None, None)
