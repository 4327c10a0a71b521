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
from typing import Any

from sqlalchemy import Exists, Select, func, or_, select
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
    answered_only: bool = False,
) -> list[InvitationRow]:
    """The invitations of ``program`` whose conversation started in [since, until), oldest first
    (only those a response answers when ``answered_only``).

    An invitation whose conversation was erased has nothing left to count and is not returned."""
    delivered, replied = _delivered(), _replied()
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
        .join(Response, Response.conversation_id == Conversation.id, isouter=not answered_only)
        .where(ContactDecision.program == program, ContactDecision.kind == "invited")
        .order_by(Conversation.started_at, Conversation.id)
    )
    query = _within(query, since=since, until=until, include_simulated=include_simulated)
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


@dataclass(frozen=True)
class OutcomeCount:
    """Invitations alike in every way the funnel counts, and how many there are."""

    channel: str
    language: str
    moment: str | None
    attributes: Mapping[str, object]
    status: str
    delivered: bool
    replied: bool
    invitations: int


def invitation_outcome_counts(
    *,
    session: Session,
    program: str,
    since: datetime | None,
    until: datetime | None,
    include_simulated: bool,
) -> list[OutcomeCount]:
    """`invitation_outcomes` counted by the database: one row per channel, language, moment, event
    attributes, status, delivery and reply, so a funnel over 100,000 invitations decodes the
    attributes of each distinct combination once instead of once per invitation."""
    delivered, replied = _delivered(), _replied()
    columns = (
        Conversation.channel,
        Conversation.language,
        MomentEvent.moment,
        MomentEvent.attributes,
        Conversation.status,
        delivered,
        replied,
    )
    query = (
        select(*columns, func.count())
        .select_from(ContactDecision)
        .join(Conversation, Conversation.id == ContactDecision.conversation_id)
        .outerjoin(MomentEvent, MomentEvent.id == ContactDecision.event_id)
        .where(ContactDecision.program == program, ContactDecision.kind == "invited")
        .group_by(*columns)
    )
    query = _within(query, since=since, until=until, include_simulated=include_simulated)
    return [
        OutcomeCount(channel, language, moment, attributes or {}, status, bool(sent), bool(answered), int(n))
        for channel, language, moment, attributes, status, sent, answered, n in session.execute(query)
    ]


def _delivered() -> Exists:
    """The channel confirmed an outbound message of the conversation delivered (or read)."""
    return (
        select(Message.id)
        .where(
            Message.conversation_id == Conversation.id,
            Message.direction == "out",
            or_(Message.delivered_at.is_not(None), Message.read_at.is_not(None)),
        )
        .exists()
    )


def _replied() -> Exists:
    """The customer sent at least one message in the conversation."""
    return (
        select(Message.id)
        .where(Message.conversation_id == Conversation.id, Message.direction == "in")
        .exists()
    )


def _within(
    query: Select[Any], *, since: datetime | None, until: datetime | None, include_simulated: bool
) -> Select[Any]:
    if not include_simulated:
        query = query.where(Conversation.simulated.is_(False))
    if since:
        query = query.where(Conversation.started_at >= since)
    if until:
        query = query.where(Conversation.started_at < until)
    return query


def program_definition(*, session: Session, program: str) -> Mapping[str, object] | None:
    """The stored (validated) definition of ``program``, or None when it was never synced."""
    row = session.get(ProgramRow, program)
    return None if row is None else row.definition
