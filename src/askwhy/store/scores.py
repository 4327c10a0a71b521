"""The scores a selection holds, and how far its conversations got: what the metrics are computed from."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from askwhy.store.response_filters import Restrict
from askwhy.store.tables import Conversation, Message, Response


@dataclass(frozen=True)
class ScoreRow:
    """One scored response, as the statistics need it."""

    id: str
    score: int
    responded_at: datetime
    program: str
    channel: str
    segment: Mapping[str, object]


@dataclass(frozen=True)
class ProgressRow:
    """How far one conversation got: its status, when it was invited, when the customer first replied."""

    status: str
    invited_at: datetime
    first_reply_at: datetime | None


def score_counts(*, session: Session, restrict: Restrict, metrics: Collection[str]) -> dict[str, int]:
    """Metric name → scored responses of the selection, for the metrics named."""
    query = restrict(
        select(Response.metric, func.count())
        .where(Response.score.is_not(None), Response.metric.in_(list(metrics)))
        .group_by(Response.metric)
    )
    return {metric: int(n) for metric, n in session.execute(query)}


def scored_span(*, session: Session, restrict: Restrict, metric: str) -> tuple[datetime, datetime] | None:
    """When the first and the last response of the selection scored on ``metric`` were given."""
    scored = select(Response.responded_at).where(Response.metric == metric, Response.score.is_not(None))
    # Each end read from the program and time index (a min() with these filters reads every row).
    first = session.scalar(restrict(scored.order_by(Response.responded_at).limit(1)))
    last = session.scalar(restrict(scored.order_by(Response.responded_at.desc()).limit(1)))
    return None if first is None or last is None else (first, last)


def scored_in_selection(
    *, session: Session, restrict: Restrict, metric: str, segments: bool = True
) -> list[ScoreRow]:
    """The responses of the selection scored on ``metric``, oldest first; ``segments=False`` leaves
    each row's segment empty, for statistics that never read it (decoding 100,000 of them costs
    seconds)."""
    segment = Response.segment if segments else literal(None).label("segment")
    query = restrict(
        select(
            Response.id, Response.score, Response.responded_at, Response.program, Response.channel, segment
        )
        .where(Response.metric == metric, Response.score.is_not(None))
        .order_by(Response.responded_at, Response.id)
    )
    return [
        ScoreRow(row.id, int(row.score), row.responded_at, row.program, row.channel, row.segment or {})
        for row in session.execute(query)
    ]


def conversation_progress(
    *,
    session: Session,
    program: str | None,
    channel: str | None,
    started_from: datetime | None,
    started_before: datetime | None,
    include_simulated: bool,
) -> list[ProgressRow]:
    """Every conversation matching the filters (None means any), with its first reply's time."""
    first_reply = (
        select(func.min(Message.created_at))
        .where(Message.conversation_id == Conversation.id, Message.direction == "in")
        .scalar_subquery()
    )
    query = select(Conversation.status, Conversation.started_at, first_reply)
    if not include_simulated:
        query = query.where(Conversation.simulated.is_(False))
    if program:
        query = query.where(Conversation.program == program)
    if channel:
        query = query.where(Conversation.channel == channel)
    if started_from:
        query = query.where(Conversation.started_at >= started_from)
    if started_before:
        query = query.where(Conversation.started_at < started_before)
    return [ProgressRow(status, invited, replied) for status, invited, replied in session.execute(query)]
