"""A store built by hand: a program's invitations with known attributes and outcomes.

Rows are written directly (contact, moment event, contact decision, conversation, its messages and
response), so the counts the funnel and the weights read are known exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from askwhy.store.program_tables import ContactDecision, MomentEvent, ProgramRow
from askwhy.store.tables import Contact, Conversation, Message, Response

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Invite:
    """One invitation and what became of it."""

    attributes: dict[str, Any] = field(default_factory=dict)
    status: str = "invited"
    delivered: bool = False
    replied: bool = False
    score: int | None = None
    channel: str = "sms"
    language: str = "en"
    moment: str = "order_delivered"
    program: str = "renewal"


def add_program(
    session: Session, *, program: str = "renewal", weighting: Mapping[str, Any] | None = None
) -> None:
    definition: dict[str, Any] = {
        "id": program,
        "name": program,
        "guide": "post-checkout",
        "moments": ["order_delivered"],
        "channels": [{"channel": "sms"}],
    }
    if weighting is not None:
        definition["weighting"] = dict(weighting)
    session.add(
        ProgramRow(id=program, guide_id="post-checkout", definition=definition, source="test",
                   checksum="0", active=True, synced_at=START)
    )  # fmt: skip


def add_invitations(session: Session, invites: list[Invite], *, start: datetime = START) -> None:
    """Each invitation with its customer, moment, decision, conversation, messages and response, a
    minute apart from ``start``."""
    for i, invite in enumerate(invites):
        at = start + timedelta(minutes=i)
        contact = Contact(created_at=at, attributes={})
        session.add(contact)
        session.flush()
        event = MomentEvent(contact_id=contact.id, moment=invite.moment, occurred_at=at,
                            attributes=invite.attributes, received_at=at)  # fmt: skip
        conversation = Conversation(
            contact_id=contact.id, program=invite.program, guide_id="post-checkout", channel=invite.channel,
            status=invite.status, language=invite.language, started_at=at, last_activity_at=at,
        )  # fmt: skip
        session.add_all([event, conversation])
        session.flush()
        session.add(
            ContactDecision(event_id=event.id, contact_id=contact.id, program=invite.program, kind="invited",
                            reason="eligible", channel=invite.channel, send_at=at,
                            conversation_id=conversation.id, decided_at=at)
        )  # fmt: skip
        session.add(
            Message(conversation_id=conversation.id, seq=1, direction="out", channel=invite.channel,
                    text="How likely…?", status="delivered" if invite.delivered else "sent", created_at=at,
                    delivered_at=at if invite.delivered else None)
        )  # fmt: skip
        if invite.replied:
            session.add(
                Message(conversation_id=conversation.id, seq=2, direction="in", channel=invite.channel,
                        text="hi", status="received", created_at=at)
            )  # fmt: skip
        if invite.score is not None:
            session.add(
                Response(conversation_id=conversation.id, contact_id=contact.id, program=invite.program,
                         guide_id="post-checkout", channel=invite.channel, metric="nps", score=invite.score,
                         band="promoter" if invite.score >= 9 else "detractor", language=invite.language,
                         completion="completed", responded_at=at, updated_at=at)
            )  # fmt: skip
    session.flush()


def skewed_population(*, pro_responders: int = 25) -> list[Invite]:
    """200 basic and 200 pro customers invited; 100 basic answer as promoters, ``pro_responders``
    pro customers as detractors: the raw NPS hears mostly the happy plan."""
    invites = []
    for plan, answering, score in (("basic", 100, 10), ("pro", pro_responders, 3)):
        for i in range(200):
            region = "eu" if i % 2 else "us"
            if i < answering:
                invites.append(Invite({"plan": plan, "region": region}, "completed", True, True, score))
            else:
                invites.append(Invite({"plan": plan, "region": region}, "abandoned", True))
    return invites
