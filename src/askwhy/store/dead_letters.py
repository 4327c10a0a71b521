"""The dead-letter list: webhook deliveries (or some messages and statuses in them) that could not be
stored after `Settings.inbox_max_attempts` tries, or that their channel's parser refused.

Each is kept in the database as received (channel, raw body, query), with the reason in one line
(no traceback), how often it was tried and when it was first and last seen, until a person looks
at it: `askwhy inbox dead` lists them, `askwhy inbox retry ID` puts one back in the webhook inbox,
`askwhy inbox drop ID` deletes it. Erasing a customer deletes theirs (`erase_dead_letters`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from askwhy.store.base import Base
from askwhy.store.inbox import Delivery

REASON_LENGTH = 500


class DeadLetter(Base):
    """A webhook delivery, or items of one, that could not be stored: set aside with the reason."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(20), comment="The inbox channel: whatsapp, twilio_sms…")
    body: Mapped[bytes] = mapped_column(
        LargeBinary, comment="The delivery's bytes, as the provider sent them."
    )
    query: Mapped[str | None] = mapped_column(
        Text, comment="The query string of the URL the provider called."
    )
    items: Mapped[str | None] = mapped_column(
        Text, comment="The provider ids of the messages or statuses that failed; none: the whole delivery."
    )
    reason: Mapped[str] = mapped_column(Text, comment="Why, in one line.")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime] = mapped_column(comment="When the delivery was received.")
    last_seen_at: Mapped[datetime] = mapped_column(comment="When it was last tried.")


def reason_of(error: BaseException) -> str:
    """An error as one short line: its kind and message, no traceback."""
    message = " ".join(str(error).split())
    line = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return line[:REASON_LENGTH]


def add_dead_letter(
    *,
    session: Session,
    delivery: Delivery,
    reason: str,
    attempts: int,
    last_seen: datetime,
    items: Collection[str] = (),
) -> DeadLetter:
    """Set ``delivery`` aside (only ``items`` of it failed, if given) with ``reason``."""
    letter = DeadLetter(
        channel=delivery.channel,
        body=delivery.body,
        query=delivery.query or None,
        items=" ".join(items) or None,
        reason=" ".join(reason.split())[:REASON_LENGTH],
        attempts=attempts,
        first_seen_at=delivery.received_at,
        last_seen_at=last_seen,
    )
    session.add(letter)
    session.flush()
    return letter


def dead_letters(*, session: Session, limit: int = 1000) -> list[DeadLetter]:
    """The newest dead letters first."""
    query = select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit)
    return list(session.scalars(query))


def dead_letter(*, session: Session, letter_id: int) -> DeadLetter | None:
    return session.get(DeadLetter, letter_id)


def as_delivery(letter: DeadLetter) -> Delivery:
    """The delivery a dead letter holds, as it was received (to be kept in the inbox again)."""
    return Delivery(
        channel=letter.channel, body=letter.body, query=letter.query or "", received_at=letter.first_seen_at
    )


def drop_dead_letter(*, session: Session, letter_id: int) -> bool:
    """Delete one for good; False if there is none with that id."""
    result = session.execute(delete(DeadLetter).where(DeadLetter.id == letter_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def purge_dead_letters(*, session: Session, before: datetime) -> int:
    """Delete the dead letters last tried before ``before`` (raw deliveries kept no longer than the
    raw transcripts they would have become); returns how many."""
    result = session.execute(delete(DeadLetter).where(DeadLetter.last_seen_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def erase_dead_letters(*, session: Session, phones: Collection[str], emails: Collection[str] = ()) -> int:
    """Delete the dead letters that name one of these phone numbers or e-mail addresses anywhere in
    their bytes (a dead letter may be unreadable, so it is not parsed); returns how many.

    A phone number is looked for by its digits (providers write it with or without ``+``, and a
    form body encodes the ``+``); the list is short, so it is scanned here rather than by SQL."""
    needles = {digits.encode() for phone in phones if len(digits := re.sub(r"\D", "", phone)) >= 6}
    needles |= {email.lower().encode() for email in emails if email}
    needles |= {email.lower().replace("@", "%40").encode() for email in emails if email}
    if not needles:
        return 0
    ours = [
        letter.id
        for letter in session.scalars(select(DeadLetter))
        if any(needle in _searchable(letter) for needle in needles)
    ]
    if ours:
        session.execute(delete(DeadLetter).where(DeadLetter.id.in_(ours)))
    return len(ours)


def _searchable(letter: DeadLetter) -> bytes:
    return letter.body.lower() + b"\n" + (letter.query or "").lower().encode()
