"""Writing to a case's customer on the conversation's own channel, the one way askwhy writes messages.

The text becomes an outbound message of the case's conversation (`record_outbound`): the web chat
shows it when the customer's chat asks again; SMS, WhatsApp and e-mail go through the outbox. Where
a channel takes free text only within a reply window (WhatsApp, 24 hours after the customer's last
message) and the window is closed, the message goes in the program's reply template (its last
body parameter carries the text), else as the channel's plain approved template (the customer then
reads only the template's own words), or is refused when the program has neither. A customer who
opted out, withdrew consent for the channel, or refused contact in the conversation ("no need to
call me", no to the close-the-loop offer) is not written to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from askwhy.conversations.records import record_outbound
from askwhy.customers.consent import current_consents
from askwhy.domain.channels import INLINE, facts
from askwhy.domain.conversation import Channel, ConversationStatus, InterviewState, Outbound, Turn
from askwhy.programs import catalog
from askwhy.store import cases as store
from askwhy.store import conversations as conversation_queries
from askwhy.store.case_tables import Case
from askwhy.store.tables import Contact, Conversation

TEMPLATE_PARAMETER_LENGTH = 1024
"""WhatsApp's longest template body parameter."""


class ReplyRefused(ValueError):
    """The customer may not be written to (opted out, consent withdrawn, no channel left)."""


@dataclass(frozen=True)
class Sent:
    """Where the message went: its place in the conversation, its channel, whether as a template."""

    seq: int
    channel: str
    template: bool
    pending: bool


def send_to_customer(
    *, session: Session, case: Case, text: str, now: datetime, due: datetime | None = None
) -> Sent:
    """Write ``text`` as the next outbound message of the case's conversation (`ReplyRefused` when
    the customer may not be written to)."""
    conversation = _conversation(session=session, case=case)
    channel = Channel(conversation.channel)
    refusal = refusal_for(session=session, conversation=conversation)
    if refusal is not None:
        raise ReplyRefused(refusal)
    inline = channel in INLINE and conversation.channel_address is None
    payload = (
        {} if inline else _window_payload(session=session, conversation=conversation, now=now, text=text)
    )
    seq = conversation_queries.next_seq(session=session, conversation_id=conversation.id)
    turn = Turn(InterviewState.from_dict(conversation.state), messages=(Outbound(text=text),))
    record_outbound(
        session=session, conversation=conversation, turn=turn, seq=seq, now=now, due=due,
        payload=payload, inline=inline,
    )  # fmt: skip
    return Sent(seq=seq, channel=channel.value, template="template" in payload, pending=not inline)


def refused_contact(state: InterviewState) -> bool:
    """True when the customer's last word on contact in the conversation was no ("no need to call
    me", no to the close-the-loop offer): their case is the team's to see, never to write from."""
    return state.close_the_loop is False


def refusal_for(*, session: Session, conversation: Conversation) -> str | None:
    """Why the customer of ``conversation`` may not be written to, or None when they may."""
    contact = session.get(Contact, conversation.contact_id) if conversation.contact_id else None
    if contact is None:
        # A web chat customer known by no address: their STOP lives on the conversation alone.
        if conversation.status == ConversationStatus.OPTED_OUT.value:
            return "customer: the customer said stop in this conversation; askwhy does not write to them"
    elif contact.opted_out_at is not None:
        return "customer: the customer opted out; askwhy does not write to them until they opt back in"
    if refused_contact(InterviewState.from_dict(conversation.state)):
        return "customer: the customer asked not to be contacted in this conversation; do not contact them"
    if contact is None:
        return None
    name = facts(Channel(conversation.channel)).consent_name
    if name is not None and current_consents(session=session, contact_id=contact.id).get(name) is False:
        return f"customer: the customer withdrew consent for {name}"
    return None


def _window_payload(
    *, session: Session, conversation: Conversation, now: datetime, text: str
) -> dict[str, Any]:
    """The approved template to send as, when the channel's reply window is closed."""
    channel = Channel(conversation.channel)
    if facts(channel).reply_window is None:
        return {}
    until = conversation.reply_window_until
    if until is not None and _aware(until) > now:
        return {}
    carrying = _reply_template(session=session, conversation=conversation, channel=channel, text=text)
    if carrying is not None:
        return {"template": carrying}
    template = catalog.template_for(session=session, program_id=conversation.program, channel=channel)
    if template is None:
        raise ReplyRefused(
            f"channel: the customer's {channel.value} reply window is closed and program "
            f"{conversation.program} has no approved template for {channel.value}"
        )
    return {"template": template}


def _reply_template(
    *, session: Session, conversation: Conversation, channel: Channel, text: str
) -> dict[str, Any] | None:
    """The program's reply template with ``text`` as its last body parameter, if it has one.

    A template parameter may not hold line breaks, so they become spaces; a text too long for one
    is refused naming the field rather than cut."""
    program = catalog.program(session=session, program_id=conversation.program)
    options = program.channel_options(channel) if program is not None else None
    if options is None or options.reply_template is None:
        return None
    carried = " ".join(text.split())
    if len(carried) > TEMPLATE_PARAMETER_LENGTH:
        raise ReplyRefused(
            f"text: outside the customer's {channel.value} reply window the message goes in the approved "
            f"template, at most {TEMPLATE_PARAMETER_LENGTH} characters"
        )
    template = options.reply_template.model_dump()
    template["parameters"] = [*template["parameters"], carried]
    return template


def _conversation(*, session: Session, case: Case) -> Conversation:
    found = (
        store.conversation(session=session, conversation_id=case.conversation_id)
        if case.conversation_id
        else None
    )
    if found is None:
        raise ReplyRefused("conversation: the case's conversation was erased; no channel is left")
    return found


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
