"""Queries for routing inbound messages and matching delivery statuses to outbound ones."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from askwhy.store.messaging_tables import DeliveryEvent
from askwhy.store.tables import Contact, Conversation, Message

OPEN_STATUSES = ("invited", "active")


def open_conversation_for(*, session: Session, channel: str, address: str) -> Conversation | None:
    """The newest open conversation with this customer on this channel."""
    query = (
        select(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.channel_address == address,
            Conversation.status.in_(OPEN_STATUSES),
        )
        .order_by(Conversation.started_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def latest_conversation_for(*, session: Session, channel: str, address: str) -> Conversation | None:
    """The newest conversation, open or not, with this customer on this channel."""
    query = (
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.channel_address == address)
        .order_by(Conversation.started_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def contact_by_address(
    *, session: Session, phone: str | None = None, email: str | None = None
) -> Contact | None:
    """The contact with this phone or e-mail (the newest, should several share it)."""
    if phone:
        condition = Contact.phone == phone
    elif email:
        condition = Contact.email == email
    else:
        return None
    query = select(Contact).where(condition).order_by(Contact.created_at.desc()).limit(1)
    return session.scalars(query).first()


def unprocessed_inbound(*, session: Session, conversation_id: str) -> Sequence[Message]:
    """The conversation's inbound messages the interviewer has not taken yet, oldest first."""
    query = (
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == "in",
            Message.processed_at.is_(None),
        )
        .order_by(Message.seq)
    )
    return session.scalars(query).all()


def outbound_for_status(
    *, session: Session, channel: str, provider_message_id: str, idempotency_key: str | None
) -> Message | None:
    """The outbound message a status is about: by the provider's id, else by the echoed key."""
    condition = Message.provider_message_id == provider_message_id
    if idempotency_key:
        condition = or_(condition, Message.idempotency_key == idempotency_key)
    query = select(Message).where(Message.channel == channel, Message.direction == "out", condition)
    return session.scalars(query.limit(1)).first()


def unmatched_events_for(*, session: Session, message: Message) -> Sequence[DeliveryEvent]:
    """Status events that arrived before the message's send result was recorded, oldest first."""
    conditions = []
    if message.provider_message_id:
        conditions.append(DeliveryEvent.provider_message_id == message.provider_message_id)
    if message.idempotency_key:
        conditions.append(DeliveryEvent.idempotency_key == message.idempotency_key)
    if not conditions:
        return []
    query = (
        select(DeliveryEvent)
        .where(DeliveryEvent.channel == message.channel, DeliveryEvent.message_id.is_(None), or_(*conditions))
        .order_by(DeliveryEvent.at, DeliveryEvent.id)
    )
    return session.scalars(query).all()
