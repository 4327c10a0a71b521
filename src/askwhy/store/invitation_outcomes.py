"""Every invitation of a program with what became of it: the rows the funnel and the weights read.

An invitation is a contact decision of kind ``invited`` with its conversation: the moment's event
gives the segment attributes it carried (plan, region, …), the conversation its channel, language
and status, its messages whether the channel confirmed delivery and whether the customer replied,
and its response (if any) the id the metrics know it by.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from askwhy.store.program_tables import ContactDecision, MomentEvent, ProgramRow
from askwhy.store.tables import Conversation, Message, Response


@dataclass(frozen=True)
class InvitationRow:
    """One invitation and its outcome."""

    conversation_id: str
    channel: str
    language: str
    moment: str | None
    """None when the moment's event was erased with its customer."""
    attributes: Mapping[str, object]
    status: str
    delivered: bool
    replied: bool
    response_id: str | None


def invitation_outcomes(
    *,
    session: Session,
    program: str,
    since: datetime | None,
    until: datetime | None,
    include_simulated: bool,
) -> list[InvitationRow]:
    """The invitations of ``program`` whose conversation started in [since, until), oldest first.

    An invitation whose conversation was erased has nothing left to count and is not returned."""
    delivered = (
        select(Message.id)
        .where(
            Message.conversation_id == Conversation.id,
            Message.direction == "out",
            or_(Message.delivered_at.is_not(None), Message.read_at.is_not(None)),
        )
        .exists()
    )
    replied = (
        select(Message.id)
        .where(Message.conversation_id == Conversation.id, Message.direction == "in")
        .exists()
    )
    query = (
        select(
            Conversation.id,
            Conversation.channel,
            Conversation.language,
            MomentEvent.moment,
            MomentEvent.attributes,
            Conversation.status,
            delivered.label("delivered"),
            replied.label("replied"),
            Response.id.label("response_id"),
        )
        .select_from(ContactDecision)
        .join(Conversation, Conversation.id == ContactDecision.conversation_id)
        .outerjoin(MomentEvent, MomentEvent.id == ContactDecision.event_id)
        .outerjoin(Response, Response.conversation_id == Conversation.id)
        .where(ContactDecision.program == program, ContactDecision.kind == "invited")
        .order_by(Conversation.started_at, Conversation.id)
    )
    if not include_simulated:
        query = query.where(Conversation.simulated.is_(False))
    if since:
        query = query.where(Conversation.started_at >= since)
    if until:
        query = query.where(Conversation.started_at < until)
    return [
        InvitationRow(
            conversation_id=row.id,
            channel=row.channel,
            language=row.language,
            moment=row.moment,
            attributes=row.attributes or {},
            status=row.status,
            delivered=bool(row.delivered),
            replied=bool(row.replied),
            response_id=row.response_id,
        )
        for row in session.execute(query)
    ]


def program_definition(*, session: Session, program: str) -> Mapping[str, object] | None:
    """The stored (validated) definition of ``program``, or None when it was never synced."""
    row = session.get(ProgramRow, program)
    return None if row is None else row.definition
