"""Ending conversations without a reply (inactivity, hang-ups, provider opt-outs) and reading them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from askwhy import interview
from askwhy.conversations.records import ConversationNotFound, apply_turn, guide_of, sync_response
from askwhy.domain.conversation import ConversationStatus, InterviewState, Step, Turn
from askwhy.domain.guide import Guide
from askwhy.store import conversations as queries
from askwhy.store.tables import Conversation, Message


def close_if_idle(
    *, session: Session, guides: Mapping[str, Guide], conversation_id: str, now: datetime
) -> bool:
    """Mark an open conversation abandoned when the guide's inactivity limit has passed."""
    conversation = queries.lock_conversation(session=session, conversation_id=conversation_id)
    if conversation is None or not ConversationStatus(conversation.status).is_open:
        return False
    guide = guide_of(conversation, guides)
    turn = interview.next_turn(guide, InterviewState.from_dict(conversation.state), None, now)
    if not turn.finished:
        return False
    apply_turn(session=session, conversation=conversation, turn=turn, now=now, touch=False)
    sync_response(session=session, conversation=conversation, guide=guide, now=now, state=turn.state)
    return True


def end_conversation(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    conversation_id: str,
    status: ConversationStatus,
    now: datetime,
) -> bool:
    """Close an open conversation with no further message (a hang-up, an opt-out the provider
    already confirmed); True if it was open."""
    conversation = queries.lock_conversation(session=session, conversation_id=conversation_id)
    if conversation is None or not ConversationStatus(conversation.status).is_open:
        return False
    guide = guide_of(conversation, guides)
    state = InterviewState.from_dict(conversation.state).evolve(status=status, step=Step.DONE)
    apply_turn(session=session, conversation=conversation, turn=Turn(state), now=now)
    sync_response(session=session, conversation=conversation, guide=guide, now=now, state=state)
    return True


def idle_candidates(*, session: Session, now: datetime, shortest_limit_minutes: int) -> list[str]:
    """Open conversations quiet for longer than the shortest inactivity limit of any guide."""
    idle_since = now - timedelta(minutes=shortest_limit_minutes)
    return list(queries.idle_open_conversations(session=session, idle_since=idle_since))


def transcript(*, session: Session, conversation_id: str) -> tuple[Conversation, list[Message]]:
    """The conversation and its messages in order, for resuming a chat or showing it."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    return conversation, list(queries.transcript(session=session, conversation_id=conversation_id))
