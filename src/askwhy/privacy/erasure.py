"""Erasing a customer: their personal data and messages go; anonymous aggregates stay.

What stays is what the metrics need and nothing that points back to the person: each response
keeps its score, band, program, channel, language and dates, but loses its text, its answers,
its link to the customer and conversation, and any segment value that identifies them. Contact
decisions stay as anonymous counts (no customer, no event). Everything else about the customer is
deleted: the contact, consents, moment events, conversations with every message, delivery
events, and whatever other tables derived from their responses (analysis, themes mentions).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, String, cast, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from askwhy.channels.base import InboundEvent, WebhookEvent
from askwhy.conversations.voice_notes import erase_audio
from askwhy.conversations.webhook_storing import PARSERS, Parser, events_of
from askwhy.customers.addresses import normalise_phone
from askwhy.outreach.customers import find_customer
from askwhy.privacy.exports import erase_from_exports
from askwhy.store.analysis_tables import Sentence
from askwhy.store.api_tables import IdempotencyRecord
from askwhy.store.base import Base
from askwhy.store.dead_letters import erase_dead_letters
from askwhy.store.freed_space import LogNotTruncated, wipe_freed_space
from askwhy.store.inbox import Inbox, Kept, deliveries
from askwhy.store.messaging_tables import DeliveryEvent
from askwhy.store.program_tables import ContactDecision, MomentEvent
from askwhy.store.registry import import_all_tables
from askwhy.store.tables import Contact, Conversation, Message, Response

log = logging.getLogger(__name__)

IDENTIFYING_SEGMENT_KEYS = frozenset(
    {"id", "customer_id", "external_id", "email", "phone", "name", "first_name", "last_name", "address"}
)


@dataclass(frozen=True)
class Erasure:
    conversations: int
    messages: int
    responses_anonymised: int
    files_wiped: bool = True
    """False when a reader kept a write-ahead log in use: the old pages stay in it until the
    next checkpoint that can empty it (the rows themselves are gone)."""
    exports_deleted: int = 0
    """Report files askwhy wrote that quoted the customer (`askwhy.privacy.exports`)."""


def erase_customer(*, session: Session, external_id: str) -> Erasure | None:
    """Erase the customer with this id; None if there is none."""
    contact = find_customer(session=session, external_id=external_id)
    if contact is None:
        return None
    identifiers = _identifiers(contact)
    conversation_ids = _conversation_ids(session=session, contact=contact)
    messages = session.execute(
        select(Message.id, Message.provider_message_id, Message.idempotency_key).where(
            Message.conversation_id.in_(conversation_ids)
        )
    ).all()
    _delete_delivery_events(session=session, messages=messages, identifiers=identifiers)
    _delete_idempotency_records(session=session, contact=contact, conversation_ids=conversation_ids)
    response_ids = list(
        session.scalars(
            select(Response.id).where(
                or_(Response.contact_id == contact.id, Response.conversation_id.in_(conversation_ids))
            )
        )
    )
    _delete_derived(session=session, parent="responses", ids=response_ids)
    for response in session.scalars(select(Response).where(Response.id.in_(response_ids))):
        _anonymise(response, identifiers)
    session.execute(
        update(ContactDecision)
        .where(
            or_(
                ContactDecision.contact_id == contact.id,
                ContactDecision.conversation_id.in_(conversation_ids),
            )
        )
        .values(contact_id=None, event_id=None, conversation_id=None)
    )
    session.execute(delete(Message).where(Message.conversation_id.in_(conversation_ids)))
    session.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
    session.delete(contact)  # consents and moment events go with it (ON DELETE CASCADE)
    session.flush()
    return Erasure(
        conversations=len(conversation_ids),
        messages=len(messages),
        responses_anonymised=len(response_ids),
    )


def erase_everywhere(
    *,
    sessions: sessionmaker[Session],
    engine: Engine,
    inbox: Inbox,
    data_dir: Path,
    external_id: str,
    parsers: Mapping[str, Parser] = PARSERS,
) -> Erasure | None:
    """Erase the customer (`erase_customer`) and what the webhook inbox still keeps from them
    (deliveries not stored yet, or that failed to store), then leave no copy of the deleted rows
    in the files of the database and the inbox (`wipe_freed_space`); None if there is no such
    customer.

    No delivery of theirs may be stored meanwhile, or it would bring their messages back: on an
    inbox file no storer works until the erasure is done; on PostgreSQL the erasure waits for the
    deliveries a storer holds, then finds them stored or still kept. ``parsers`` read the kept
    deliveries to find whom they are about (every inbox channel's, added channels' too)."""
    with inbox.storing():
        with sessions.begin() as session:
            contact = find_customer(session=session, external_id=external_id)
            if contact is None:
                return None
            phones = _phone_forms(contact)
            if inbox.shares_database:
                _forget_kept(inbox=inbox, session=session, phones=phones, parsers=parsers)
            else:
                with inbox.sessions.begin() as inbox_session:
                    _forget_kept(inbox=inbox, session=inbox_session, phones=phones, parsers=parsers)
            erase_dead_letters(session=session, phones=phones, emails=[contact.email or ""])
            identifiers, words = [*_identifiers(contact), *phones], _their_words(session, contact)
            conversation_ids = _conversation_ids(session=session, contact=contact)
            done = erase_customer(session=session, external_id=external_id)
        if done is not None and not _wiped(engine, inbox):
            done = replace(done, files_wiped=False)
    exported = erase_from_exports(data_dir=data_dir, identifiers=identifiers, words=words)
    erase_audio(data_dir=data_dir, conversation_ids=conversation_ids)  # kept voice notes
    return replace(done, exports_deleted=len(exported)) if done is not None else None


def _their_words(session: Session, contact: Contact) -> list[str]:
    """What the customer wrote, as stored and as analysed (redacted sentences, as reports quote
    them): to find them in exports."""
    conversation_ids = _conversation_ids(session=session, contact=contact)
    inbound = select(Message.text).where(
        Message.conversation_id.in_(conversation_ids), Message.direction == "in"
    )
    responses = select(Response.id).where(
        or_(Response.contact_id == contact.id, Response.conversation_id.in_(conversation_ids))
    )
    analysed = select(Sentence.text).where(Sentence.response_id.in_(responses))
    return [text for query in (inbound, analysed) for text in session.scalars(query) if text]


def _wiped(engine: Engine, inbox: Inbox) -> bool:
    """Wipe what the erasure freed in the database's and the inbox's files; False if a log
    stayed in use (logged: the erasure itself is done and committed)."""
    try:
        wipe_freed_space(engine, tables=_erased_tables(inbox))
        if not inbox.shares_database:
            wipe_freed_space(inbox.engine)
    except LogNotTruncated as exc:
        log.warning("erasure done, but its freed pages stay in a write-ahead log for now: %s", exc)
        return False
    return True


def _erased_tables(inbox: Inbox) -> list[str]:
    """The tables an erasure may have deleted from or updated: every table of askwhy's own (the
    derived ones are found by their keys, `_delete_derived`), and the inbox's on PostgreSQL."""
    import_all_tables()
    names = [table.name for table in Base.metadata.sorted_tables]
    return [*names, deliveries.name] if inbox.shares_database else names


def _forget_kept(*, inbox: Inbox, session: Session, phones: set[str], parsers: Mapping[str, Parser]) -> None:
    """Remove the kept deliveries from (or about messages to) one of these phone numbers."""
    if not phones:
        return
    ours = [kept.id for kept in inbox.everything(session=session) if _mentions(kept, phones, parsers)]
    inbox.remove(session=session, ids=ours)


def _mentions(kept: Kept, phones: set[str], parsers: Mapping[str, Parser]) -> bool:
    try:
        events = events_of(kept, parsers=parsers)
    except Exception:  # not readable as its channel's: look for the number in its bytes
        return any(phone.encode() in kept.body for phone in phones)
    return any(number in phones for event in events for number in _numbers_of(event))


def _numbers_of(event: WebhookEvent) -> set[str]:
    """Whom the event is about, as digits: a message's sender; a status's recipient (WhatsApp's
    ``recipient_id``, Twilio's ``To``, or its ``From`` for a message the customer sent)."""
    if isinstance(event, InboundEvent):
        values = [event.sender]
    else:
        values = [str(event.raw.get(name, "")) for name in ("recipient_id", "To", "From")]
    return {value.removeprefix("whatsapp:").lstrip("+") for value in values if value}


def _phone_forms(contact: Contact) -> set[str]:
    """The contact's phone number as providers write it: E.164 digits, without the plus."""
    if not contact.phone:
        return set()
    return {contact.phone.lstrip("+"), normalise_phone(contact.phone).lstrip("+")}


def _identifiers(contact: Contact) -> list[str]:
    values = [contact.external_id, contact.phone, contact.email]
    if contact.phone:
        values.append(normalise_phone(contact.phone).lstrip("+"))  # WhatsApp's form of the number
    return [value for value in values if value]


def _conversation_ids(*, session: Session, contact: Contact) -> list[str]:
    addresses = [value for value in (contact.phone, contact.email) if value]
    query = select(Conversation.id).where(
        or_(Conversation.contact_id == contact.id, Conversation.channel_address.in_(addresses))
    )
    return list(session.scalars(query))


def _delete_delivery_events(*, session: Session, messages: Collection[Any], identifiers: list[str]) -> None:
    provider_ids = [row.provider_message_id for row in messages if row.provider_message_id]
    keys = [row.idempotency_key for row in messages if row.idempotency_key]
    raw_text = cast(DeliveryEvent.raw, String)
    conditions = [
        DeliveryEvent.message_id.in_([row.id for row in messages]),
        DeliveryEvent.provider_message_id.in_(provider_ids),
        DeliveryEvent.idempotency_key.in_(keys),
        *(raw_text.contains(value) for value in identifiers),
    ]
    session.execute(delete(DeliveryEvent).where(or_(*conditions)))


def _delete_idempotency_records(*, session: Session, contact: Contact, conversation_ids: list[str]) -> None:
    """Forget the events API answers kept for retries that name the customer's events or
    conversations: ids of what is erased, which would otherwise outlive it until they expire."""
    event_ids = list(session.scalars(select(MomentEvent.id).where(MomentEvent.contact_id == contact.id)))
    named = [*event_ids, *conversation_ids]
    if named:
        answer = cast(IdempotencyRecord.response, String)
        session.execute(delete(IdempotencyRecord).where(or_(*(answer.contains(i) for i in named))))


def _delete_derived(*, session: Session, parent: str, ids: list[str]) -> None:
    """Delete rows of any table that hangs off ``parent`` rows (analysis of responses, etc.)."""
    if not ids:
        return
    import_all_tables()
    for table in reversed(Base.metadata.sorted_tables):
        if table.name == parent:
            continue
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table.name == parent and foreign_key.column.name == "id":
                session.execute(delete(table).where(foreign_key.parent.in_(ids)))


def _anonymise(response: Response, identifiers: list[str]) -> None:
    response.contact_id = None
    response.conversation_id = None
    response.external_id = None
    response.comment = ""
    response.answers = []
    response.segment = {
        key: value
        for key, value in response.segment.items()
        if key.lower() not in IDENTIFYING_SEGMENT_KEYS
        and not any(ident in str(value) for ident in identifiers)
    }
