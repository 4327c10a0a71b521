"""SMS keywords the provider answers itself (Twilio: STOP, START, HELP and their synonyms).

Such a message is stored like any other (once, on its provider id), then heard here in the same
transaction and marked processed, so the interviewer never answers it: the customer already has
the provider's confirmation, and a second one would be noise, or after STOP a message to someone
who just asked for none. STOP opts the customer out and closes the conversation as opted out;
START lifts an opt-out; HELP changes nothing. A YES while not opted out is an ordinary answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy import conversations
from askwhy.channels.base import WebhookEvent
from askwhy.channels.twilio_sms import CarrierKeyword
from askwhy.conversations import inbound
from askwhy.customers import consent
from askwhy.domain.conversation import ConversationStatus
from askwhy.domain.guide import Guide
from askwhy.queue.jobs import Jobs
from askwhy.store import messaging as queries
from askwhy.store.tables import Contact, Conversation, Message

log = logging.getLogger(__name__)


def accept_sms(
    *,
    session: Session,
    jobs: Jobs,
    guides: Mapping[str, Guide],
    events: Sequence[WebhookEvent],
    keyword: CarrierKeyword | None,
    now: datetime,
    one_by_one: bool = False,
) -> inbound.Accepted:
    """Store the webhook's events (`inbound.accept_events`); heed a keyword the provider answered."""
    accepted = inbound.accept_events(
        session=session, jobs=jobs, events=events, now=now, one_by_one=one_by_one
    )
    if keyword is not None:
        for message_id in accepted.new_messages:
            heed_keyword(session=session, guides=guides, message_id=message_id, keyword=keyword, now=now)
    return accepted


def heed_keyword(
    *, session: Session, guides: Mapping[str, Guide], message_id: int, keyword: CarrierKeyword, now: datetime
) -> None:
    """Apply the keyword in a stored message and keep the interviewer from answering it."""
    message = session.get(Message, message_id)
    conversation = session.get(Conversation, message.conversation_id) if message else None
    if message is None or conversation is None:
        return
    contact = _contact_of(session=session, conversation=conversation)
    source = f"keyword:{conversation.channel}"
    if keyword is CarrierKeyword.OPT_OUT:
        try:
            conversations.end_conversation(
                session=session,
                guides=guides,
                conversation_id=conversation.id,
                status=ConversationStatus.OPTED_OUT,
                now=now,
            )
        except conversations.GuideUnavailable:
            log.warning(
                "conversation %s: guide %s is not loaded; left open", conversation.id, conversation.guide_id
            )
        if contact is not None:
            consent.opt_out(
                session=session, contact=contact, channel=conversation.channel, at=now, source=source
            )
    elif keyword is CarrierKeyword.OPT_IN:
        opted_out = contact is not None and contact.opted_out_at is not None
        if message.text.strip().upper() == "YES" and not opted_out:
            return  # "yes" to a question, which the interviewer answers
        if contact is not None and opted_out:
            consent.opt_in(
                session=session, contact=contact, channel=conversation.channel, at=now, source=source
            )
    message.processed_at = now


def _contact_of(*, session: Session, conversation: Conversation) -> Contact | None:
    if conversation.contact_id:
        return session.get(Contact, conversation.contact_id)
    if conversation.channel_address is None:
        return None
    return queries.contact_by_address(session=session, phone=conversation.channel_address)
