"""Customers as the events API describes them: created or updated from each event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from askwhy.customers import consent
from askwhy.customers.addresses import normalise_phone
from askwhy.store.tables import Contact


@dataclass(frozen=True)
class CustomerDetails:
    """A customer as a client system knows them; unset fields leave what is stored unchanged."""

    id: str
    phone: str | None = None
    email: str | None = None
    locale: str | None = None
    time_zone: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    consents: Mapping[str, bool] = field(default_factory=dict)
    """Consent per channel as of now (``whatsapp: true``); recorded when it changes."""


def upsert_customer(*, session: Session, details: CustomerDetails, now: datetime) -> Contact:
    """The stored customer with this id, created or brought up to date, consents recorded."""
    contact = find_customer(session=session, external_id=details.id)
    if contact is None:
        contact = Contact(external_id=details.id, attributes={}, created_at=now)
        try:
            with session.begin_nested():
                session.add(contact)
        except IntegrityError:  # created by a concurrent request a moment ago
            contact = find_customer(session=session, external_id=details.id)
            assert contact is not None
    if details.phone is not None:
        contact.phone = normalise_phone(details.phone)
    if details.email is not None:
        contact.email = details.email.strip().lower()
    if details.locale is not None:
        contact.locale = details.locale
    if details.time_zone is not None:
        contact.time_zone = details.time_zone
    if details.attributes:
        contact.attributes = {**contact.attributes, **details.attributes}
    for channel, granted in sorted(details.consents.items()):
        consent.set_consent(
            session=session, contact=contact, channel=channel, granted=granted, at=now, source="api"
        )
    session.flush()
    return contact


def find_customer(*, session: Session, external_id: str) -> Contact | None:
    return session.scalars(select(Contact).where(Contact.external_id == external_id)).one_or_none()
