"""Consent and opt-out: recorded with time and source; an opt-out anywhere stops every invitation.

A customer who says STOP on any channel is opted out (``contacts.opted_out_at``) until they opt back
in (START, or consent granted again through the API). Each change is also kept as a `Consent` row.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.store.messaging_tables import Consent
from askwhy.store.tables import Contact

EVERY_CHANNEL = "*"
_OPT_IN = re.compile(r"^\s*(start|unstop|subscribe|resume|alta|reanudar)\s*[.!]*\s*$", re.IGNORECASE)


def is_opt_in(text: str) -> bool:
    """True for a reply that is only an opt-in keyword (START, UNSTOP, ALTA…)."""
    return bool(_OPT_IN.match(text))


def opt_out(*, session: Session, contact: Contact, channel: str, at: datetime, source: str) -> None:
    """Stop every future invitation to this customer, on every channel."""
    if contact.opted_out_at is None:
        contact.opted_out_at = at
    _record(session=session, contact=contact, channel=channel, granted=False, at=at, source=source)


def opt_in(*, session: Session, contact: Contact, channel: str, at: datetime, source: str) -> None:
    """Lift an opt-out and record consent for ``channel``."""
    contact.opted_out_at = None
    _record(session=session, contact=contact, channel=channel, granted=True, at=at, source=source)


def set_consent(
    *, session: Session, contact: Contact, channel: str, granted: bool, at: datetime, source: str
) -> bool:
    """Record consent given or withdrawn for a channel, if it changes anything; True if it did.

    Consent given this way does not lift an opt-out: only the customer's own opt-in (START) does,
    so a system that sends ``consent: true`` with every event cannot override a STOP.
    """
    if current_consents(session=session, contact_id=contact.id).get(channel) == granted:
        return False
    _record(session=session, contact=contact, channel=channel, granted=granted, at=at, source=source)
    return True


def current_consents(*, session: Session, contact_id: str) -> dict[str, bool]:
    """Each channel's latest consent (granted or not) for the customer."""
    query = select(Consent).where(Consent.contact_id == contact_id).order_by(Consent.at, Consent.id)
    return {row.channel: row.granted for row in session.scalars(query)}


def _record(
    *, session: Session, contact: Contact, channel: str, granted: bool, at: datetime, source: str
) -> None:
    session.add(
        Consent(contact_id=contact.id, channel=channel, granted=granted, at=at, source=source, recorded_at=at)
    )
