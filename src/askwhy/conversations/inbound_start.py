"""Conversations a customer starts by writing first, where a program allows it.

A program lists the channels in ``inbound_start``; the first such program (by id) takes a message
from an address that has no conversation on that channel yet. The conversation is created here,
without messages; `askwhy.conversations.inbound.process_inbound` asks its opening question.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.domain.channels import PHONE_ADDRESSED
from askwhy.domain.conversation import Channel, ConversationStatus
from askwhy.programs.catalog import active_programs
from askwhy.store import messaging as queries
from askwhy.store.tables import Conversation


def start_from_inbound(
    *, session: Session, channel: Channel, address: str, now: datetime
) -> Conversation | None:
    """A new conversation for a message from an unknown address, if a program allows inbound starts."""
    program = next((p for p in active_programs(session=session) if channel in p.inbound_start), None)
    if program is None:
        return None
    phone, email = (address, None) if channel in PHONE_ADDRESSED else (None, address)
    contact = queries.contact_by_address(session=session, phone=phone, email=email)
    if contact is not None and contact.opted_out_at is not None:
        return None
    conversation = Conversation(
        contact_id=contact.id if contact else None,
        program=program.id,
        guide_id=program.guide,
        channel=channel.value,
        status=ConversationStatus.INVITED.value,
        language="en",
        state={},
        started_at=now,
        last_activity_at=now,
        channel_address=address,
    )
    session.add(conversation)
    session.flush()
    return conversation
