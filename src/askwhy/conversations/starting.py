"""Starting conversations: an invitation askwhy sends, or a customer who writes first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from askwhy import interview
from askwhy.conversations.records import (
    Known,
    Reply,
    SentMessage,
    apply_turn,
    record_outbound,
    sync_response,
)
from askwhy.domain.channels import INLINE
from askwhy.domain.conversation import Channel
from askwhy.domain.guide import Guide
from askwhy.store import conversations as queries
from askwhy.store.tables import Conversation


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
    sent = record_outbound(
        session=session,
        conversation=conversation,
        turn=turn,
        seq=1,
        now=now,
        due=send_at,
        payload=payload,
        inline=channel in INLINE and channel_address is None,
    )
    sync_response(
        session=session, conversation=conversation, guide=guide, now=now, state=turn.state, segment=segment
    )
    return Reply(conversation_id=conversation.id, status=conversation.status, messages=sent)


def open_started(
    *,
    session: Session,
    guide: Guide,
    conversation: Conversation,
    now: datetime,
    language: str | None = None,
    known: Known | None = None,
) -> list[SentMessage]:
    """Ask the opening question of a conversation the customer started by writing first."""
    turn = interview.open_conversation(guide, language=language, now=now)
    apply_turn(session=session, conversation=conversation, turn=turn, now=now)
    seq = known.seq if known else queries.next_seq(session=session, conversation_id=conversation.id)
    sent = record_outbound(session=session, conversation=conversation, turn=turn, seq=seq, now=now)
    if known is not None:
        known.seq += len(sent)
    sync_response(
        session=session, conversation=conversation, guide=guide, now=now, state=turn.state, known=known
    )
    return sent
