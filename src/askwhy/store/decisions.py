"""Queries for moment events and the contact decisions taken on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.store.program_tables import ContactDecision, MomentEvent
from askwhy.store.tables import Contact

INVITING = ("invited", "deferred")


def invitations_since(*, session: Session, contact_id: str, since: datetime) -> Sequence[ContactDecision]:
    """The customer's invitations (from every program) decided after ``since``."""
    query = select(ContactDecision).where(
        ContactDecision.contact_id == contact_id,
        ContactDecision.kind.in_(INVITING),
        ContactDecision.decided_at > since,
    )
    return session.scalars(query).all()


def decisions_of_event(*, session: Session, event_id: str) -> Sequence[ContactDecision]:
    query = select(ContactDecision).where(ContactDecision.event_id == event_id).order_by(ContactDecision.id)
    return session.scalars(query).all()


def decisions_of_customer(*, session: Session, external_id: str, limit: int) -> Sequence[ContactDecision]:
    query = (
        select(ContactDecision)
        .join(Contact, Contact.id == ContactDecision.contact_id)
        .where(Contact.external_id == external_id)
        .order_by(ContactDecision.decided_at.desc(), ContactDecision.id.desc())
        .limit(limit)
    )
    return session.scalars(query).all()


def event(*, session: Session, event_id: str) -> MomentEvent | None:
    return session.get(MomentEvent, event_id)
