"""Who is signed in to the workspace: the session cookie, the CSRF check of every form, and
``SignedInPerson``, the dependency every workspace page takes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, status

from askwhy.domain.people import Role
from askwhy.people import accounts, browser_sessions
from askwhy.service.dependencies import ContainerDep

SIGN_IN_NONCE = "askwhy_sign_in"
"""A random cookie set with the sign-in forms, so their CSRF token exists before any session."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, with their roles, and the CSRF token their forms carry."""

    person_id: str
    email: str
    name: str
    role: Role | None
    program_roles: dict[str, Role]
    csrf: str


class NotSignedIn(HTTPException):
    """Answered with a redirect to the sign-in page (`askwhy.service.app`)."""

    def __init__(self) -> None:
        super().__init__(status.HTTP_401_UNAUTHORIZED, "sign in first")


def _viewer(request: Request, container: ContainerDep) -> Viewer:
    settings = container.settings
    secret = settings.secret_key.get_secret_value()
    cookie = request.cookies.get(browser_sessions.COOKIE)
    opened = browser_sessions.opened(
        secret_key=secret,
        cookie=cookie,
        max_age=timedelta(hours=settings.workspace_session_hours),
        now=container.clock.now(),
    )
    if opened is None or cookie is None:
        raise NotSignedIn
    with container.reads() as session:
        person = accounts.current(
            session=session, person_id=opened.person_id, session_version=opened.session_version
        )
        if person is None:
            raise NotSignedIn
        role, programs = accounts.roles_of(session=session, person=person)
        return Viewer(
            person_id=person.id,
            email=person.email,
            name=person.name,
            role=role,
            program_roles=programs,
            csrf=browser_sessions.csrf_token(secret_key=secret, cookie=cookie),
        )


SignedInPerson = Annotated[Viewer, Depends(_viewer)]


def require_csrf(*, request: Request, secret_key: str, token: str | None, cookie_name: str) -> None:
    """403 unless the form's token matches the HMAC of its cookie (the session, or the sign-in nonce)."""
    if not browser_sessions.csrf_matches(
        secret_key=secret_key, cookie=request.cookies.get(cookie_name), token=token
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "the form expired or did not come from askwhy; reload it"
        )


def sign_in_nonce(request: Request) -> tuple[str, bool]:
    """The browser's sign-in nonce, and whether it is new (then the response must set it)."""
    nonce = request.cookies.get(SIGN_IN_NONCE)
    return (nonce, False) if nonce else (secrets.token_urlsafe(24), True)


def set_sign_in_nonce(response: Response, nonce: str, *, secure: bool) -> None:
    response.set_cookie(SIGN_IN_NONCE, nonce, httponly=True, samesite="strict", secure=secure, path="/")
