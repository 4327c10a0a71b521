"""Invited conversations with a known customer, as the tests of several areas need them."""

from __future__ import annotations

from askwhy import conversations
from askwhy.bootstrap import Container
from askwhy.domain.conversation import Channel
from askwhy.store.tables import Contact


def invite_customer(container: Container, *, phone: str, channel: Channel) -> str:
    """A contact with ``phone`` and an invited post-checkout conversation with them on
    ``channel``, its opening question asked; returns the conversation's id."""
    with container.sessions.begin() as session:
        contact = Contact(phone=phone, created_at=container.clock.now())
        session.add(contact)
        session.flush()
        reply = conversations.start_conversation(
            session=session,
            guide=container.guides["post-checkout"],
            program="post-checkout",
            channel=channel,
            channel_address=phone,
            contact_id=contact.id,
            now=container.clock.now(),
        )
    return reply.conversation_id
