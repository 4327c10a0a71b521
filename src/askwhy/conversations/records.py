"""How an interviewer turn is written to the store: the conversation, its messages, its response."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from askwhy.domain.channels import INLINE
from askwhy.domain.conversation import Channel, ConversationStatus, Inbound, InterviewState, Outbound, Turn
from askwhy.domain.guide import Guide
from askwhy.domain.scales import band_for
from askwhy.store import conversations as queries
from askwhy.store import outbound_events
from askwhy.store.base import new_id
from askwhy.store.tables import Contact, Conversation, Message, Response

"""Channels whose replies go back in the same request; others queue replies in the outbox.

A call is answered in its own webhook, and an e-mail invitation's conversation continues in the
web chat behind its link. Their openings, when addressed to a customer, are invitations all the
same: the outbox delivers them (a call placed, an e-mail sent)."""

CLOSE_THE_LOOP_QUESTION = "close_the_loop"

RESPONSES_CLOSED = "askwhy.responses_closed"
"""``session.info`` key: ids of responses whose conversation closed in this transaction (to analyse)."""
CASE_CANDIDATES = "askwhy.case_candidates"
"""``session.info`` key: ids of responses that may call for a case (closed, or help heard), for
`askwhy.tasks.cases` to check once the transaction commits."""
CASE_MESSAGES = "askwhy.case_messages"
"""``session.info`` key: ids of customer messages on ended conversations, for `askwhy.tasks.cases`
to hand to the conversation's case once the transaction commits (the interview does not restart)."""


def after_the_end(session: Session, message_id: int) -> None:
    """A customer's message on an ended conversation: its case (if any) hears it after the commit."""
    session.info.setdefault(CASE_MESSAGES, set()).add(message_id)


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


@dataclass
class Known:
    """What a caller that took a conversation's lock already read of it: where its next message
    goes and its response (None: it has none yet). Turns keep both current, so a batch of turns
    needs no query that would flush the batch's pending writes first."""

    seq: int
    response: Response | None


def guide_of(conversation: Conversation, guides: Mapping[str, Guide]) -> Guide:
    try:
        return guides[conversation.guide_id]
    except KeyError:
        raise GuideUnavailable(conversation.guide_id) from None


def inbound_row(
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


def apply_turn(
    *, session: Session, conversation: Conversation, turn: Turn, now: datetime, touch: bool = True
) -> None:
    """Store the interviewer's new state on the conversation (and an opt-out on its contact)."""
    conversation.state = turn.state.to_dict()
    conversation.status = turn.state.status.value
    conversation.language = turn.state.language
    if touch:
        conversation.last_activity_at = now
    if turn.finished and conversation.ended_at is None:
        conversation.ended_at = now
    if turn.state.status is ConversationStatus.OPTED_OUT:
        outbound_events.record_opted_out(session=session, conversation=conversation, now=now)
    if turn.state.status is ConversationStatus.OPTED_OUT and conversation.contact_id:
        contact = session.get(Contact, conversation.contact_id)
        if contact is not None and contact.opted_out_at is None:
            contact.opted_out_at = now


def record_outbound(
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
    """Add the turn's messages; those not answered in the request go to the outbox."""
    if inline is None:
        inline = Channel(conversation.channel) in INLINE
    sent = []
    for offset, message in enumerate(turn.messages):
        row = _outbound_row(
            conversation, message, seq + offset, now, status="delivered" if inline else "pending"
        )
        if not inline:
            # The outbox: the worker delivers it (askwhy.outbox.delivery) once this transaction commits.
            row.to_address = conversation.channel_address
            row.idempotency_key = new_id()
            row.next_attempt_at = due or now
            row.payload = dict(payload or {}) if offset == 0 else {}
        session.add(row)
        sent.append(SentMessage(seq=row.seq, text=row.text, question=row.question, choices=row.choices))
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


def sync_response(
    *,
    session: Session,
    conversation: Conversation,
    guide: Guide,
    now: datetime,
    state: InterviewState | None = None,
    segment: dict[str, Any] | None = None,
    known: Known | None = None,
) -> Response:
    """Keep the conversation's structured response (score, band, answers) current after a turn."""
    state = state or InterviewState.from_dict(conversation.state)
    if known is not None:
        response = known.response
    else:
        response = _response_unflushed(session=session, conversation_id=conversation.id)
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
    closed = not ConversationStatus(conversation.status).is_open
    if closed or state.close_the_loop:  # a help request opens its case before the conversation ends
        if response.id is None:
            session.flush()
        session.info.setdefault(CASE_CANDIDATES, set()).add(response.id)
    if closed:
        session.info.setdefault(RESPONSES_CLOSED, set()).add(response.id)
    if known is not None:
        known.response = response
    return response


def _response_unflushed(*, session: Session, conversation_id: str) -> Response | None:
    """The conversation's response, read without flushing the turn's writes first: that flush came
    on top of the commit's and cost a web chat turn about a fifth of its CPU. A response added in
    this transaction and not flushed yet is found among the session's new rows."""
    for row in session.new:
        if isinstance(row, Response) and row.conversation_id == conversation_id:
            return row
    with session.no_autoflush:
        return queries.response_for(session=session, conversation_id=conversation_id)


def _completion(status: ConversationStatus) -> str:
    return {
        ConversationStatus.COMPLETED: "completed",
        ConversationStatus.ABANDONED: "abandoned",
        ConversationStatus.OPTED_OUT: "opted_out",
        ConversationStatus.FAILED: "failed",
    }.get(status, "partial")
