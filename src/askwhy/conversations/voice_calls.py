"""Voice conversations: a call finds or starts its conversation, each answer is one turn taken in
the request, and a hang-up closes the conversation.

The interviewer is the same as on every channel; only the turn's transport differs. Each answer
is stored under ``<call id>:<turn>``, where the turn is the position of the question it answers,
so the provider's retry of the same answer is a no-op that says the same thing again. Silence
gets one re-ask; a second silence ends the call politely and the conversation as abandoned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from askwhy import conversations
from askwhy.channels.base import StatusEvent, as_numbered_text
from askwhy.customers.addresses import normalise_phone
from askwhy.domain.conversation import Channel, Choice, ConversationStatus, Inbound
from askwhy.domain.guide import Guide
from askwhy.outbox.statuses import record_status
from askwhy.programs.catalog import active_programs
from askwhy.store import conversations as conversation_queries
from askwhy.store import messaging as queries
from askwhy.store.tables import Conversation, Message


@dataclass(frozen=True)
class Prompt:
    """What to say on the call now, and whether to listen for an answer afterwards."""

    conversation_id: str | None
    language: str = "en"
    texts: tuple[str, ...] = ()
    turn: int = 0
    """Position of the last message said; the answer to it is stored as ``<call id>:<turn>``."""
    listening: bool = False
    """Wait for an answer (a question was asked) rather than hang up."""
    again: bool = False
    """Nothing was heard: the question is asked once more."""
    gave_up: bool = False
    """Nothing was heard twice: the call ends with a goodbye and the conversation is abandoned."""
    open_answer: bool = False
    """The last question is answered in the customer's own words (no score or choices to key in)."""


def answer_call(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    customer: str,
    conversation_id: str | None,
    inbound_guide: str | None,
    now: datetime,
) -> Prompt:
    """The opening of a call: the invitation's conversation, the caller's open conversation, or a new one.

    An inbound call starts the first program allowing inbound voice starts, else ``inbound_guide``.
    """
    if conversation_id is not None:
        conversation = session.get(Conversation, conversation_id)
    else:
        address = normalise_phone(customer)
        conversation = queries.open_conversation_for(
            session=session, channel=Channel.VOICE.value, address=address
        ) or _start(session=session, guides=guides, address=address, inbound_guide=inbound_guide, now=now)
    if conversation is None:
        return Prompt(conversation_id=None)
    return current_prompt(session=session, conversation=conversation)


def take_answer(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    conversation_id: str,
    call_id: str,
    turn: int,
    speech: str | None,
    digits: str | None,
    again: bool,
    now: datetime,
) -> Prompt:
    """Run the interviewer on what the customer said (or keyed in) to question ``turn``."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not ConversationStatus(conversation.status).is_open:
        return Prompt(conversation_id=conversation_id)
    said = _last_said(session=session, conversation_id=conversation.id)
    inbound = heard(speech=speech, digits=digits, choices=said[-1].choices if said else [])
    if inbound is None:
        return _silence(session=session, guides=guides, conversation=conversation, again=again, now=now)
    try:
        reply = conversations.receive_message(
            session=session,
            guides=guides,
            conversation_id=conversation.id,
            inbound=inbound,
            channel=Channel.VOICE,
            provider_message_id=f"{call_id}:{turn}",
            now=now,
        )
    except conversations.GuideUnavailable:
        return Prompt(conversation_id=conversation_id, language=conversation.language)
    if reply.duplicate or not reply.messages:
        return current_prompt(session=session, conversation=conversation)
    return Prompt(
        conversation_id=conversation.id,
        language=conversation.language,
        texts=tuple(spoken(m.text, m.choices) for m in reply.messages),
        turn=reply.messages[-1].seq,
        listening=ConversationStatus(reply.status).is_open,
        open_answer=not reply.messages[-1].choices,
    )


def call_ended(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    conversation_id: str | None,
    customer: str,
    answered: bool,
    status: StatusEvent | None,
    now: datetime,
) -> bool:
    """A call is over: record it as the invitation's delivery status and close its conversation.

    A call never answered fails an invitation nobody heard; any other end abandons what is still
    open. Returns True if a conversation was closed.
    """
    if status is not None:
        record_status(session=session, event=status, now=now)
    conversation = (
        session.get(Conversation, conversation_id)
        if conversation_id
        else queries.open_conversation_for(
            session=session, channel=Channel.VOICE.value, address=normalise_phone(customer)
        )
    )
    if conversation is None or not ConversationStatus(conversation.status).is_open:
        return False
    transcript = conversation_queries.transcript(session=session, conversation_id=conversation.id)
    never_heard = not answered and not any(m.direction == "in" for m in transcript)
    outcome = ConversationStatus.FAILED if never_heard else ConversationStatus.ABANDONED
    return conversations.end_conversation(
        session=session, guides=guides, conversation_id=conversation.id, status=outcome, now=now
    )


def current_prompt(*, session: Session, conversation: Conversation) -> Prompt:
    """What was said since the customer last spoke: said again on a retry or a call-back."""
    if not ConversationStatus(conversation.status).is_open:
        return Prompt(conversation_id=conversation.id, language=conversation.language)
    said = _last_said(session=session, conversation_id=conversation.id)
    return Prompt(
        conversation_id=conversation.id,
        language=conversation.language,
        texts=tuple(spoken(m.text, m.choices) for m in said),
        turn=said[-1].seq if said else 0,
        listening=True,
        open_answer=bool(said) and not said[-1].choices,
    )


def heard(*, speech: str | None, digits: str | None, choices: Sequence[Mapping[str, Any]]) -> Inbound | None:
    """What the customer answered, or None on silence.

    Keyed-in digits are the answer itself for a score; where the question offered named choices
    (read out as "1. Yes 2. No"), the digit picks the choice in that position.
    """
    if speech and speech.strip():
        return Inbound(text=speech.strip())
    if not digits:
        return None
    named = [c for c in choices if not str(c.get("title", "")).isdigit()]
    if named and digits.isdigit() and 1 <= int(digits) <= len(named):
        chosen = named[int(digits) - 1]
        return Inbound(text=str(chosen["title"]), choice_id=str(chosen["id"]))
    return Inbound(text=digits)


def spoken(text: str, choices: Sequence[Mapping[str, Any]]) -> str:
    """A question as it is said: named choices read out with their keypad digit, scores as asked."""
    named = tuple(Choice(id=str(c["id"]), title=str(c["title"])) for c in choices)
    if not named or all(c.title.isdigit() for c in named):
        return text
    return as_numbered_text(text, named).replace("\n", " ")


def _silence(
    *, session: Session, guides: Mapping[str, Guide], conversation: Conversation, again: bool, now: datetime
) -> Prompt:
    if not again:
        return replace(current_prompt(session=session, conversation=conversation), again=True)
    conversations.end_conversation(
        session=session,
        guides=guides,
        conversation_id=conversation.id,
        status=ConversationStatus.ABANDONED,
        now=now,
    )
    return Prompt(conversation_id=conversation.id, language=conversation.language, gave_up=True)


def _start(
    *, session: Session, guides: Mapping[str, Guide], address: str, inbound_guide: str | None, now: datetime
) -> Conversation | None:
    """A conversation for a caller with none open, of the program that takes inbound calls."""
    program = next((p for p in active_programs(session=session) if Channel.VOICE in p.inbound_start), None)
    program_id, guide = (program.id, guides.get(program.guide)) if program else (None, None)
    if guide is None and inbound_guide:
        program_id, guide = inbound_guide, guides.get(inbound_guide)
    if guide is None or program_id is None:
        return None
    contact = queries.contact_by_address(session=session, phone=address)
    if contact is not None and contact.opted_out_at is not None:
        return None
    conversation = Conversation(
        contact_id=contact.id if contact else None,
        program=program_id,
        guide_id=guide.id,
        channel=Channel.VOICE.value,
        status=ConversationStatus.INVITED.value,
        language=guide.default_language,
        state={},
        started_at=now,
        last_activity_at=now,
        channel_address=address,
    )
    session.add(conversation)
    session.flush()
    conversations.open_started(session=session, guide=guide, conversation=conversation, now=now)
    return conversation


def _last_said(*, session: Session, conversation_id: str) -> list[Message]:
    """The outbound messages after the customer's last message, in order."""
    said: list[Message] = []
    for message in conversation_queries.transcript(session=session, conversation_id=conversation_id):
        said = [*said, message] if message.direction == "out" else []
    return said
