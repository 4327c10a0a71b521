"""Running synthetic customers through the real interviewer and storing them, flagged simulated.

Every conversation goes through the same use cases as a web chat (`start_conversation`,
`receive_message`, `close_if_idle`) on the ``simulated`` channel, with its own stepping clock so
its turns are minutes apart at a realistic time of day. Conversations are committed in batches.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from askwhy import conversations
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel, ConversationStatus, Inbound
from askwhy.domain.guide import Guide
from askwhy.simulation.casting import Casting
from askwhy.simulation.customer import Customer
from askwhy.simulation.schedule import days_before, start_times
from askwhy.store.tables import Conversation

BATCH_SIZE = 50
_MAX_REPLIES = 20
"""A guard against a conversation that never ends; the interviewer's budget ends it far sooner."""


@dataclass
class Summary:
    """What a simulation stored."""

    guide_id: str
    stored: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    scores: Counter[int | None] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    conversation_ids: list[str] = field(default_factory=list)
    scored: list[tuple[datetime, int]] = field(default_factory=list)
    """When each conversation with a score started, and the score: for trends over the period."""


def simulate(
    *,
    sessions: sessionmaker[Session],
    guides: Mapping[str, Guide],
    casting: Casting,
    count: int,
    seed: int,
    days: int,
    end: datetime,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> Summary:
    """Simulate ``count`` conversations over the ``days`` before ``end``; the same seed, the same ones."""
    guide = casting.guide
    guides = {**guides, guide.id: guide}
    schedule = start_times(count=count, end=end, days=max(1, days), rng=random.Random(f"{seed}/{guide.id}"))
    summary = Summary(guide_id=guide.id)
    for first in range(0, count, batch_size):
        with sessions.begin() as session:
            for index in range(first, min(first + batch_size, count)):
                rng = random.Random(f"{seed}/{guide.id}/{index}")
                when = days_before(schedule[index], end)
                customer, segment = casting.customer(rng=rng, days_before_end=when)
                conversation = _converse(
                    session=session,
                    guides=guides,
                    guide=guide,
                    customer=customer,
                    segment=segment,
                    started_at=schedule[index],
                )
                _count(summary, conversation)
                if on_progress is not None:
                    on_progress(1)
    return summary


def _converse(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    guide: Guide,
    customer: Customer,
    segment: dict[str, str],
    started_at: datetime,
) -> Conversation:
    clock = FakeClock(started_at)
    reply = conversations.start_conversation(
        session=session,
        guide=guide,
        program=guide.id,
        channel=Channel.SIMULATED,
        now=clock.now(),
        language=customer.persona.language,
        simulated=True,
        segment=dict(segment),
    )
    question = _question(reply, None)
    for _ in range(_MAX_REPLIES):
        if not ConversationStatus(reply.status).is_open:
            break
        text = customer.reply_to(question)
        if text is None:
            break
        clock.advance(minutes=customer.rng.uniform(*customer.persona.behaviour.minutes_between_replies))
        reply = conversations.receive_message(
            session=session,
            guides=guides,
            conversation_id=reply.conversation_id,
            inbound=Inbound(text=text),
            channel=Channel.SIMULATED,
            now=clock.now(),
        )
        question = _question(reply, question)
    if ConversationStatus(reply.status).is_open:
        clock.advance(minutes=guide.limits.abandon_after_minutes + customer.rng.uniform(1, 120))
        conversations.close_if_idle(
            session=session, guides=guides, conversation_id=reply.conversation_id, now=clock.now()
        )
    conversation = session.get(Conversation, reply.conversation_id)
    assert conversation is not None
    return conversation


def _question(reply: conversations.Reply, previous: str | None) -> str | None:
    """The key of the last question asked; a message without one (a notice) keeps the previous."""
    asked = [message.question for message in reply.messages if message.question]
    return asked[-1] if asked else previous


def _count(summary: Summary, conversation: Conversation) -> None:
    score = conversation.state.get("score")
    summary.stored += 1
    summary.statuses[conversation.status] += 1
    summary.scores[int(score) if score is not None else None] += 1
    summary.languages[conversation.language] += 1
    summary.conversation_ids.append(conversation.id)
    if score is not None:
        summary.scored.append((conversation.started_at, int(score)))
