"""Conversation use cases: start one, take a customer's message, close idle ones.

Each function runs inside the caller's transaction; the interviewer itself is pure, and this module
is where its decisions meet the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from askwhy import interview
from askwhy.domain.conversation import (
    Channel,
    ConversationStatus,
    Inbound,
    InterviewState,
    Outbound,
    Step,
    Turn,
)
from askwhy.domain.guide import Guide
from askwhy.domain.scales import band_for
from askwhy.store import conversations as queries
from askwhy.store.base import new_id
from askwhy.store.tables import Contact, Conversation, Message, Response

INLINE_CHANNELS = frozenset({Channel.WEB, Channel.TERMINAL, Channel.SIMULATED, Channel.VOICE, Channel.EMAIL})
"""Channels whose replies go back in the same request; others queue replies in the outbox.

A call is answered in its own webhook, and an e-mail invitation's conversation continues in the
web chat behind its link. Their openings, when addressed to a customer, are invitations all the
same: the outbox delivers them (a call placed, an e-mail sent)."""

CLOSE_THE_LOOP_QUESTION = "close_the_loop"

RESPONSES_CLOSED = "askwhy.responses_closed"
"""``session.info`` key: ids of responses whose conversation closed in this transaction (to analyse)."""


class ConversationNotFound(LookupError):
    pass


class GuideUnavailable(LookupError):
    """The conversation's guide is no longer loaded (renamed or removed)."""


@dataclass(frozen=True)
class SentMessage:
    seq: int
    text: str
    question: str | None
    choices: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Reply:
    """What a turn produced: the messages for the customer and where the conversation stands."""

    conversation_id: str
    status: str
    messages: list[SentMessage]
    duplicate: bool = False


def start_conversation(
    *,
    session: Session,
    guide: Guide,
    program: str,
    channel: Channel,
    now: datetime,
    contact_id: str | None = None,
    language: str | None = None,
    simulated: bool = False,
    segment: dict[str, Any] | None = None,
    channel_address: str | None = None,
    send_at: datetime | None = None,
    payload: dict[str, Any] | None = None,
) -> Reply:
    """Create a conversation and send its opening question.

    On a provider channel the opening goes to the outbox for ``channel_address``, due at
    ``send_at`` (default: now), with ``payload`` (e.g. the approved template to send it as).
    """
    turn = interview.open_conversation(guide, language=language, now=now)
    conversation = Conversation(
        contact_id=contact_id,
        program=program,
        guide_id=guide.id,
        channel=channel.value,
        status=turn.state.status.value,
        language=turn.state.language,
        state=turn.state.to_dict(),
        simulated=simulated,
        started_at=now,
        last_activity_at=now,
        channel_address=channel_address,
    )
    session.add(conversation)
    session.flush()
    sent = _record_outbound(
        session=session,
        conversation=conversation,
        turn=turn,
        seq=1,
        now=now,
        due=send_at,
        payload=payload,
        inline=channel in INLINE_CHANNELS and channel_address is None,
    )
    _sync_response(session=session, conversation=conversation, guide=guide, now=now, segment=segment)
    return Reply(conversation_id=conversation.id, status=conversation.status, messages=sent)


def receive_message(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    conversation_id: str,
    inbound: Inbound,
    channel: Channel,
    now: datetime,
    provider_message_id: str | None = None,
) -> Reply:
    """Store the customer's message once, take the interviewer's turn, store and return the reply.

    The conversation row is locked first, so two messages of one customer are handled one after
    the other, in arrival order, and a provider's retry of the same message id is a no-op.
    """
    conversation = queries.lock_conversation(session=session, conversation_id=conversation_id)
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    if provider_message_id and queries.message_exists(
        session=session, channel=channel.value, provider_message_id=provider_message_id
    ):
        return Reply(conversation_id=conversation.id, status=conversation.status, messages=[], duplicate=True)
    guide = _guide_of(conversation, guides)
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
    sent = take_turn(session=session, guide=guide, conversation=conversation, inbound=inbound, now=now)
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
    row = _inbound_row(
        conversation=conversation,
        inbound=inbound,
        channel=channel,
        provider_message_id=provider_message_id,
        seq=seq,
        now=now,
    )
    row.payload = payload or {}
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def take_turn(
    *, session: Session, guide: Guide, conversation: Conversation, inbound: Inbound, now: datetime
) -> list[SentMessage]:
    """Run the interviewer on one customer message of a locked conversation; store its reply.

    Replies on channels that are not answered in the request go to the outbox (status pending).
    """
    state = InterviewState.from_dict(conversation.state)
    turn = interview.next_turn(guide, state, inbound, now)
    _apply(session=session, conversation=conversation, turn=turn, now=now)
    seq = queries.next_seq(session=session, conversation_id=conversation.id)
    sent = _record_outbound(session=session, conversation=conversation, turn=turn, seq=seq, now=now)
    _sync_response(session=session, conversation=conversation, guide=guide, now=now)
    return sent


def open_started(
    *, session: Session, guide: Guide, conversation: Conversation, now: datetime, language: str | None = None
) -> list[SentMessage]:
    """Ask the opening question of a conversation the customer started by writing first."""
    turn = interview.open_conversation(guide, language=language, now=now)
    _apply(session=session, conversation=conversation, turn=turn, now=now)
    seq = queries.next_seq(session=session, conversation_id=conversation.id)
    sent = _record_outbound(session=session, conversation=conversation, turn=turn, seq=seq, now=now)
    _sync_response(session=session, conversation=conversation, guide=guide, now=now)
    return sent


def close_if_idle(
    *, session: Session, guides: Mapping[str, Guide], conversation_id: str, now: datetime
) -> bool:
    """Mark an open conversation abandoned when the guide's inactivity limit has passed."""
    conversation = queries.lock_conversation(session=session, conversation_id=conversation_id)
    if conversation is None or not ConversationStatus(conversation.status).is_open:
        return False
    guide = _guide_of(conversation, guides)
    turn = interview.next_turn(guide, InterviewState.from_dict(conversation.state), None, now)
    if not turn.finished:
        return False
    _apply(session=session, conversation=conversation, turn=turn, now=now, touch=False)
    _sync_response(session=session, conversation=conversation, guide=guide, now=now)
    return True


def end_conversation(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    conversation_id: str,
    status: ConversationStatus,
    now: datetime,
) -> bool:
    """Close an open conversation with no further message: a hang-up, an opt-out the provider
    already confirmed. True if it was open."""
    conversation = queries.lock_conversation(session=session, conversation_id=conversation_id)
    if conversation is None or not ConversationStatus(conversation.status).is_open:
        return False
    guide = _guide_of(conversation, guides)
    state = InterviewState.from_dict(conversation.state)
    _apply(
        session=session,
        conversation=conversation,
        turn=Turn(state.evolve(status=status, step=Step.DONE)),
        now=now,
    )
    _sync_response(session=session, conversation=conversation, guide=guide, now=now)
    return True


def transcript(*, session: Session, conversation_id: str) -> tuple[Conversation, list[Message]]:
    """The conversation and its messages in order, for resuming a chat or showing it."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    return conversation, list(queries.transcript(session=session, conversation_id=conversation_id))


def idle_candidates(*, session: Session, now: datetime, shortest_limit_minutes: int) -> list[str]:
    idle_since = now - timedelta(minutes=shortest_limit_minutes)
    return list(queries.idle_open_conversations(session=session, idle_since=idle_since))


def _guide_of(conversation: Conversation, guides: Mapping[str, Guide]) -> Guide:
    try:
        return guides[conversation.guide_id]
    except KeyError:
        raise GuideUnavailable(conversation.guide_id) from None


def _inbound_row(
    *,
    conversation: Conversation,
    inbound: Inbound,
    channel: Channel,
    provider_message_id: str | None,
    seq: int,
    now: datetime,
) -> Message:
    return Message(
        conversation_id=conversation.id,
        seq=seq,
        direction="in",
        channel=channel.value,
        text=inbound.text,
        media_type=inbound.media_type,
        provider_message_id=provider_message_id,
        status="received",
        created_at=now,
    )


def _apply(
    *, session: Session, conversation: Conversation, turn: Turn, now: datetime, touch: bool = True
) -> None:
    conversation.state = turn.state.to_dict()
    conversation.status = turn.state.status.value
    conversation.language = turn.state.language
    if touch:
        conversation.last_activity_at = now
    if turn.finished and conversation.ended_at is None:
        conversation.ended_at = now
    if turn.state.status is ConversationStatus.OPTED_OUT and conversation.contact_id:
        contact = session.get(Contact, conversation.contact_id)
        if contact is not None and contact.opted_out_at is None:
            contact.opted_out_at = now


def _record_outbound(
    *,
    session: Session,
    conversation: Conversation,
    turn: Turn,
    seq: int,
    now: datetime,
    due: datetime | None = None,
    payload: dict[str, Any] | None = None,
    inline: bool | None = None,
) -> list[SentMessage]:
    if inline is None:
        inline = Channel(conversation.channel) in INLINE_CHANNELS
    sent = []
    for offset, message in enumerate(turn.messages):
        row = _outbound_row(
            conversation, message, seq + offset, now, status="delivered" if inline else "pending"
        )
        if not inline:
            # The outbox: the worker delivers it (askwhy.delivery) once this transaction commits.
            row.to_address = conversation.channel_address
            row.idempotency_key = new_id()
            row.next_attempt_at = due or now
            row.payload = dict(payload or {}) if offset == 0 else {}
        session.add(row)
        sent.append(SentMessage(seq=row.seq, text=row.text, question=row.question, choices=row.choices))
    session.flush()
    return sent


def _outbound_row(
    conversation: Conversation, message: Outbound, seq: int, now: datetime, status: str
) -> Message:
    return Message(
        conversation_id=conversation.id,
        seq=seq,
        direction="out",
        channel=conversation.channel,
        text=message.text,
        question=message.question,
        choices=[{"id": c.id, "title": c.title} for c in message.choices],
        status=status,
        created_at=now,
    )


def _sync_response(
    *,
    session: Session,
    conversation: Conversation,
    guide: Guide,
    now: datetime,
    segment: dict[str, Any] | None = None,
) -> Response:
    state = InterviewState.from_dict(conversation.state)
    response = queries.response_for(session=session, conversation_id=conversation.id)
    if response is None:
        response = Response(
            conversation_id=conversation.id,
            contact_id=conversation.contact_id,
            program=conversation.program,
            guide_id=guide.id,
            channel=conversation.channel,
            metric=guide.metric.value,
            simulated=conversation.simulated,
            segment=segment or {},
            responded_at=now,
        )
        session.add(response)
    response.score = state.score
    response.band = band_for(guide.metric, state.score).value
    response.answers = [{"question": a.question, "text": a.text} for a in state.answers]
    response.comment = "\n".join(a.text for a in state.answers if a.question != CLOSE_THE_LOOP_QUESTION)
    response.language = state.language
    response.completion = _completion(state.status)
    response.close_the_loop = state.close_the_loop
    response.updated_at = now
    if not ConversationStatus(conversation.status).is_open:
        if response.id is None:
            session.flush()
        session.info.setdefault(RESPONSES_CLOSED, set()).add(response.id)
    return response


def _completion(status: ConversationStatus) -> str:
    return {
        ConversationStatus.COMPLETED: "completed",
        ConversationStatus.ABANDONED: "abandoned",
        ConversationStatus.OPTED_OUT: "opted_out",
        ConversationStatus.FAILED: "failed",
    }.get(status, "partial")
