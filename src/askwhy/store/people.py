"""Queries on the team's tables: people by id or e-mail, roles, sign-in links and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from askwhy.store.people_tables import AuditEntry, Person, PersonRole, SignInLink


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
