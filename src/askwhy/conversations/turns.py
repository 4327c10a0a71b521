"""Taking a customer's message: stored once, answered in order, under the conversation's lock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from askwhy import interview
from askwhy.conversations import alert_questions
from askwhy.conversations.records import (
    ConversationNotFound,
    Known,
    Reply,
    SentMessage,
    after_the_end,
    apply_turn,
    guide_of,
    inbound_row,
    record_outbound,
    sync_response,
)
from askwhy.conversations.wording import Wording
from askwhy.domain.conversation import Channel, Inbound, InterviewState
from askwhy.domain.guide import Guide
from askwhy.store import conversations as queries
from askwhy.store.tables import Conversation, Message


def receive_message(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    conversation_id: str,
    inbound: Inbound,
    channel: Channel,
    now: datetime,
    provider_message_id: str | None = None,
    wording: Wording | None = None,
) -> Reply:
    """Store the customer's message once, take the interviewer's turn, store and return the reply.

    The conversation row is locked first, so two messages of one customer are handled one after
    the other, in arrival order, and a provider's retry of the same message id is a no-op.
    ``wording`` is the LLM's, asked for before this transaction (`conversations.word_reply`).
    """
    conversation = queries.lock_conversation(session=session, conversation_id=conversation_id)
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    guide = guide_of(conversation, guides)
    row = store_inbound(
        session=session,
        conversation=conversation,
        inbound=inbound,
        channel=channel,
        provider_message_id=provider_message_id,
        now=now,
    )
    if row is None:
        return Reply(conversation_id=conversation.id, status=conversation.status, messages=[], duplicate=True)
    if not InterviewState.from_dict(conversation.state).status.is_open:
        session.flush()  # the customer answers after the interview: the conversation's case hears it
        after_the_end(session, row.id)
        row.processed_at = now
        return Reply(conversation_id=conversation.id, status=conversation.status, messages=[])
    sent = take_turn(
        session=session,
        guide=guide,
        conversation=conversation,
        inbound=inbound,
        now=now,
        seq=row.seq + 1,
        wording=wording,
    )
    row.processed_at = now
    return Reply(conversation_id=conversation.id, status=conversation.status, messages=sent)


def store_inbound(
    *,
    session: Session,
    conversation: Conversation,
    inbound: Inbound,
    channel: Channel,
    now: datetime,
    provider_message_id: str | None = None,
    payload: dict[str, Any] | None = None,
    seq: int | None = None,
) -> Message | None:
    """Insert a customer's message at the end of a (locked) conversation; None if already stored.

    The unique (channel, provider message id) makes a provider's retry a no-op, even when two
    copies race: the loser's insert fails inside a savepoint and the transaction carries on.
    """
    if seq is None:
        seq = queries.next_seq(session=session, conversation_id=conversation.id)
    row = inbound_row(
        conversation=conversation,
        inbound=inbound,
        channel=channel,
        provider_message_id=provider_message_id,
        seq=seq,
        now=now,
    )
    row.payload = payload or {}
    if provider_message_id is None:
        session.add(row)  # nothing to collide with: no savepoint needed
        return row
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def take_turn(
    *,
    session: Session,
    guide: Guide,
    conversation: Conversation,
    inbound: Inbound,
    now: datetime,
    seq: int | None = None,
    known: Known | None = None,
    wording: Wording | None = None,
) -> list[SentMessage]:
    """Run the interviewer on one customer message of a locked conversation; store its reply.

    Replies on channels that are not answered in the request go to the outbox (status pending).
    ``seq`` is where the reply goes in the conversation, when the caller already knows it; with
    ``known``, the caller knows that and the response, and both are kept current. With
    ``wording``, the LLM's text replaces the rules' when the conversation has not moved since.
    """
    state = InterviewState.from_dict(conversation.state)
    extra = alert_questions.probe_for(
        session=session,
        program=conversation.program,
        state=state,
        segment_of=_segment(session, conversation, known),
    )
    turn = interview.next_turn(guide, state, inbound, now, extra_probe=extra)
    alert_questions.record_answer(
        session=session, before=state, conversation_id=conversation.id, text=inbound.text or "", now=now
    )
    if wording is not None:
        turn = wording.applied(turn, decided_from=conversation.state)
    apply_turn(session=session, conversation=conversation, turn=turn, now=now)
    if known is not None:
        seq = known.seq
    elif seq is None:
        seq = queries.next_seq(session=session, conversation_id=conversation.id)
    sent = record_outbound(session=session, conversation=conversation, turn=turn, seq=seq, now=now)
    if known is not None:
        known.seq += len(sent)
    sync_response(
        session=session, conversation=conversation, guide=guide, now=now, state=turn.state, known=known
    )
    return sent


def _segment(
    session: Session, conversation: Conversation, known: Known | None
) -> Callable[[], Mapping[str, Any]]:
    """The customer's segment (their response's), read only when an open alert may ask about it."""

    def read() -> Mapping[str, Any]:
        response = known.response if known is not None else None
        if response is None:
            response = queries.response_for(session=session, conversation_id=conversation.id)
        return response.segment if response is not None else {}

    return read
