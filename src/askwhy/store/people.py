"""Queries on the team's tables: people by id or e-mail, roles, sign-in links and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from askwhy.store.people_tables import AuditEntry, Person, PersonIdentity, PersonRole, SignInLink


def person_by_email(*, session: Session, email: str) -> Person | None:
    return session.scalar(select(Person).where(Person.email == email.strip().lower()))


def people(*, session: Session) -> Sequence[Person]:
    return session.scalars(select(Person).order_by(Person.created_at, Person.email)).all()


def count_people(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Person)) or 0)


def program_roles(*, session: Session, person_id: str) -> dict[str, str]:
    rows = session.execute(
        select(PersonRole.program, PersonRole.role).where(PersonRole.person_id == person_id)
    )
    return {str(program): str(role) for program, role in rows}


def take_sign_in_link(*, session: Session, link_id: str, now: datetime) -> SignInLink | None:
    """Mark an unused, unexpired link used and return it; None if there is no such link. Atomic: a
    link raced from two browsers signs in one of them."""
    taken = session.execute(
        update(SignInLink)
        .where(SignInLink.id == link_id, SignInLink.used_at.is_(None), SignInLink.expires_at > now)
        .values(used_at=now)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(SignInLink, link_id)


def person_for_identity(*, session: Session, issuer: str, subject: str) -> Person | None:
    """The account a single sign-on identity is linked to, if any."""
    return session.scalar(
        select(Person)
        .join(PersonIdentity, PersonIdentity.person_id == Person.id)
        .where(PersonIdentity.issuer == issuer, PersonIdentity.subject == subject)
    )


def linked_subject(*, session: Session, person_id: str, issuer: str) -> str | None:
    """The subject at ``issuer`` the account is linked to, if any."""
    return session.scalar(
        select(PersonIdentity.subject).where(
            PersonIdentity.person_id == person_id, PersonIdentity.issuer == issuer
        )
    )


def link_identity(*, session: Session, person_id: str, issuer: str, subject: str, at: datetime) -> None:
    session.add(PersonIdentity(issuer=issuer, subject=subject, person_id=person_id, linked_at=at))


def unlink_identities(*, session: Session, person_id: str) -> int:
    """Forget every single sign-on identity of the account; how many there were."""
    removed = session.execute(delete(PersonIdentity).where(PersonIdentity.person_id == person_id))
    return int(removed.rowcount)  # type: ignore[attr-defined]


def record(
    *,
    session: Session,
    at: datetime,
    person_id: str | None,
    action: str,
    target: str | None,
    detail: dict[str, Any],
) -> None:
    session.add(AuditEntry(at=at, person_id=person_id, action=action, target=target, detail=detail))


def audit_entries(*, session: Session, limit: int = 100) -> Sequence[AuditEntry]:
    return session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).all()
