"""Accounts of the team: created, listed, disabled, given a password or a one-time sign-in link.

Every change is written to the audit log in the same transaction as the change itself.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from askwhy.domain.people import Role
from askwhy.people.passwords import hash_password, password_matches
from askwhy.store import people as queries
from askwhy.store.base import new_id
from askwhy.store.people_tables import Person, PersonRole, SignInLink


class AccountError(ValueError):
    """An account change that cannot be made, with the reason for the person who asked."""


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, and the session version their browser session is bound to."""

    person_id: str
    session_version: int


def create_person(
    *,
    session: Session,
    email: str,
    name: str,
    role: Role | None,
    program_roles: dict[str, Role] | None = None,
    password: str | None = None,
    now: datetime,
    by: str | None = None,
) -> Person:
    """A new account; `AccountError` if the e-mail is taken or not an address."""
    address = email.strip().lower()
    if "@" not in address or len(address) > 320:
        raise AccountError(f"{email!r} is not an e-mail address")
    if queries.person_by_email(session=session, email=address) is not None:
        raise AccountError(f"an account for {address} exists already")
    person = Person(
        id=new_id(),
        email=address,
        name=name.strip() or address,
        role=role.value if role else None,
        password_hash=hash_password(password) if password else None,
        session_version=1,
        created_at=now,
    )
    session.add(person)
    for program, program_role in (program_roles or {}).items():
        session.add(PersonRole(person_id=person.id, program=program, role=program_role.value))
    session.flush()
    queries.record(
        session=session, at=now, person_id=by, action="account.created", target=person.id,
        detail={"email": address, "role": person.role, "programs": sorted(program_roles or {})},
    )  # fmt: skip
    return person


def list_people(*, session: Session) -> Sequence[Person]:
    return queries.people(session=session)


def disable(*, session: Session, email: str, now: datetime, by: str | None = None) -> Person:
    """Disable an account: its sessions end at once and it can no longer sign in."""
    person = _existing(session, email)
    person.disabled_at = now
    person.session_version += 1
    queries.record(
        session=session, at=now, person_id=by, action="account.disabled", target=person.id, detail={}
    )
    return person


def set_password(
    *, session: Session, email: str, password: str, now: datetime, by: str | None = None
) -> Person:
    """Set a new password; every session of the account ends (`WeakPassword` if too short)."""
    person = _existing(session, email)
    person.password_hash = hash_password(password)
    person.session_version += 1
    queries.record(
        session=session, at=now, person_id=by, action="account.password_set", target=person.id, detail={}
    )
    return person


def issue_sign_in_link(
    *, session: Session, email: str, now: datetime, valid: timedelta, by: str | None = None
) -> str:
    """A one-time secret for ``/sign-in/link/{secret}``; only its hash is stored."""
    person = _existing(session, email)
    if person.disabled_at is not None:
        raise AccountError(f"the account for {person.email} is disabled")
    secret = secrets.token_urlsafe(32)
    session.add(SignInLink(id=_digest(secret), person_id=person.id, created_at=now, expires_at=now + valid))
    queries.record(
        session=session, at=now, person_id=by, action="account.sign_in_link", target=person.id,
        detail={"expires_at": (now + valid).isoformat()},
    )  # fmt: skip
    return secret


def sign_in_with_password(*, session: Session, email: str, password: str, now: datetime) -> SignedIn | None:
    """Check the password (in constant time whether or not the account exists); None when refused:
    a wrong e-mail or password, or a disabled account (never saying which), recorded in the audit log."""
    person = queries.person_by_email(session=session, email=email)
    stored = person.password_hash if person is not None else None
    if not password_matches(password=password, stored=stored) or person is None or person.disabled_at:
        queries.record(
            session=session, at=now, person_id=None, action="sign_in.refused", target=None,
            detail={"email_hash": _digest(email.strip().lower())[:16]},
        )  # fmt: skip
        return None
    return _signed_in(session, person, now=now, how="password")


def sign_in_with_link(*, session: Session, secret: str, now: datetime) -> SignedIn | None:
    """Use a one-time link: it works once, before it expires, for an account still enabled; None
    for a used, expired or unknown link."""
    link = queries.take_sign_in_link(session=session, link_id=_digest(secret), now=now)
    person = session.get(Person, link.person_id) if link is not None else None
    if person is None or person.disabled_at is not None:
        return None
    return _signed_in(session, person, now=now, how="link")


def current(*, session: Session, person_id: str, session_version: int) -> Person | None:
    """The signed-in person, if their account is enabled and the session not ended since."""
    person = session.get(Person, person_id)
    if person is None or person.disabled_at is not None or person.session_version != session_version:
        return None
    return person


def sign_out_everywhere(*, session: Session, person_id: str, now: datetime) -> None:
    person = session.get(Person, person_id)
    if person is not None:
        person.session_version += 1
        queries.record(
            session=session, at=now, person_id=person_id, action="sign_out", target=None, detail={}
        )


def roles_of(*, session: Session, person: Person) -> tuple[Role | None, dict[str, Role]]:
    """A person's global role and their roles per program."""
    programs = queries.program_roles(session=session, person_id=person.id)
    return (Role(person.role) if person.role else None), {p: Role(r) for p, r in programs.items()}


def has_no_people(*, session: Session) -> bool:
    return queries.count_people(session=session) == 0


def _signed_in(session: Session, person: Person, *, now: datetime, how: str) -> SignedIn:
    person.last_sign_in_at = now
    queries.record(
        session=session, at=now, person_id=person.id, action="sign_in", target=None, detail={"how": how}
    )
    return SignedIn(person_id=person.id, session_version=person.session_version)


def _existing(session: Session, email: str) -> Person:
    person = queries.person_by_email(session=session, email=email)
    if person is None:
        raise AccountError(f"no account for {email.strip().lower()}")
    return person


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


FIRST_OWNER = "owner@localhost"


def first_owner_link(*, session: Session, now: datetime, valid: timedelta) -> str | None:
    """On a database with no account yet, an owner account without a password and a one-time link
    to sign in as it (never a default password); None once any account exists."""
    if not has_no_people(session=session):
        return None
    create_person(session=session, email=FIRST_OWNER, name="Owner", role=Role.OWNER, now=now)
    return issue_sign_in_link(session=session, email=FIRST_OWNER, now=now, valid=valid)
