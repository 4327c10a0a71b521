"""Moments to invitations: record a customer's moment, decide per program, invite in one go.

For each active program listening to the moment, the contact policy decides (with its reason,
always recorded); an invitation is a conversation in status ``invited`` whose opening message
waits in the outbox until ``send_at``, written in the same transaction as the decision.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from askwhy import conversations
from askwhy.customers.addresses import address_for
from askwhy.customers.consent import current_consents
from askwhy.domain.channels import INVITATION_CHANNELS, TEMPLATE_FIRST
from askwhy.domain.contact_policy import Customer, Decision, PastInvitation, decide, sampling_draw
from askwhy.domain.conversation import Channel, ConversationStatus
from askwhy.domain.guide import Guide
from askwhy.domain.program import Program
from askwhy.outreach.customers import CustomerDetails, upsert_customer
from askwhy.programs.catalog import active_programs
from askwhy.store import decisions as queries
from askwhy.store.program_tables import ContactDecision, MomentEvent
from askwhy.store.tables import Contact, Conversation

"""Channels where a business-initiated conversation must open with an approved template."""


@dataclass(frozen=True)
class Moment:
    customer: CustomerDetails
    moment: str
    occurred_at: datetime
    attributes: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None
    """The sender's own id for the event; it also fixes the sampling draw."""


@dataclass(frozen=True)
class RecordedMoment:
    event: MomentEvent
    decisions: list[ContactDecision]


def record_moment(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    senders: Collection[Channel],
    moment: Moment,
    now: datetime,
    only_programs: Collection[str] | None = None,
) -> RecordedMoment:
    """Store the moment and every program's decision on it; invite where a program says so.

    ``only_programs`` (an API key limited to them) leaves every other program out: it neither
    decides nor invites. Contact caps still count every program's invitations."""
    contact = upsert_customer(session=session, details=moment.customer, now=now)
    event = MomentEvent(
        external_id=moment.id,
        contact_id=contact.id,
        moment=moment.moment,
        occurred_at=moment.occurred_at,
        attributes=dict(moment.attributes),
        received_at=now,
    )
    session.add(event)
    session.flush()
    programs = [
        p
        for p in active_programs(session=session)
        if moment.moment in p.moments and (only_programs is None or p.id in only_programs)
    ]
    customer = _customer_view(session=session, contact=contact, senders=senders)
    recent = _recent_invitations(session=session, contact=contact, programs=programs, now=now)
    draw = sampling_draw(moment.customer.id, moment.id or event.id)
    recorded = []
    for program in programs:
        decision = decide(
            program=program,
            customer=customer,
            recent=recent,
            draw=draw,
            occurred_at=moment.occurred_at,
            now=now,
        )
        guide = guides.get(program.guide)
        conversation_id = None
        if decision.invites and guide is not None:
            conversation_id = _invite(
                session=session, program=program, guide=guide, contact=contact, decision=decision,
                moment=moment, now=now,
            )  # fmt: skip
            recent.append(PastInvitation(program=program.id, at=now))
        row = _record(
            session=session, event=event, program=program, decision=decision,
            conversation_id=conversation_id, guide_loaded=guide is not None, now=now,
        )  # fmt: skip
        recorded.append(row)
    session.flush()
    return RecordedMoment(event=event, decisions=recorded)


def _customer_view(*, session: Session, contact: Contact, senders: Collection[Channel]) -> Customer:
    reachable = frozenset(
        channel
        for channel in INVITATION_CHANNELS
        if channel in senders and address_for(channel, phone=contact.phone, email=contact.email)
    )
    return Customer(
        opted_out=contact.opted_out_at is not None,
        consents=current_consents(session=session, contact_id=contact.id),
        reachable=reachable,
        time_zone=contact.time_zone,
    )


def _recent_invitations(
    *, session: Session, contact: Contact, programs: list[Program], now: datetime
) -> list[PastInvitation]:
    longest = max(
        (max(p.caps.customer.days, p.caps.program.days if p.caps.program else 0) for p in programs), default=0
    )
    since = now - timedelta(days=longest)
    rows = queries.invitations_since(session=session, contact_id=contact.id, since=since)
    return [PastInvitation(program=row.program, at=row.decided_at) for row in rows]


def _invite(
    *,
    session: Session,
    program: Program,
    guide: Guide,
    contact: Contact,
    decision: Decision,
    moment: Moment,
    now: datetime,
) -> str:
    assert decision.channel is not None
    assert decision.send_at is not None
    address = address_for(decision.channel, phone=contact.phone, email=contact.email)
    payload: dict[str, Any] = {"expires_at": (moment.occurred_at + program.timing.expires_after).isoformat()}
    option = program.channel_options(decision.channel)
    if option is not None and option.template is not None and decision.channel in TEMPLATE_FIRST:
        values = {**contact.attributes, **moment.attributes, "brand": guide.brand}
        parameters = [_fill(text, values) for text in option.template.parameters]
        payload["template"] = {**option.template.model_dump(), "parameters": parameters}
    reply = conversations.start_conversation(
        session=session,
        guide=guide,
        program=program.id,
        channel=decision.channel,
        now=now,
        contact_id=contact.id,
        language=(contact.locale or "")[:2].lower() or None,
        channel_address=address,
        send_at=decision.send_at,
        payload=payload,
    )
    conversation = session.get(Conversation, reply.conversation_id)
    assert conversation is not None
    # Invited until the customer answers; idle from the moment the invitation goes out.
    conversation.status = ConversationStatus.INVITED.value
    conversation.state = {**conversation.state, "status": ConversationStatus.INVITED.value}
    conversation.last_activity_at = decision.send_at
    return conversation.id


def _record(
    *,
    session: Session,
    event: MomentEvent,
    program: Program,
    decision: Decision,
    conversation_id: str | None,
    guide_loaded: bool,
    now: datetime,
) -> ContactDecision:
    kind, reason = decision.kind.value, decision.reason.value
    if decision.invites and not guide_loaded:
        kind, reason = "skipped", "guide_unavailable"
    row = ContactDecision(
        event_id=event.id,
        contact_id=event.contact_id,
        program=program.id,
        kind=kind,
        reason=reason,
        channel=decision.channel.value if decision.channel and kind != "skipped" else None,
        send_at=decision.send_at if kind != "skipped" else None,
        conversation_id=conversation_id,
        decided_at=now,
    )
    session.add(row)
    return row


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _fill(text: str, values: Mapping[str, Any]) -> str:
    try:
        return text.format_map(_Blank(values))
    except (ValueError, IndexError, AttributeError):
        return text
