"""The counts the workspace's overview reads: response totals, conversations' progress by channel,
and responses per program.

Filtering responses belongs to the caller: ``restrict`` receives a query over ``responses`` and
returns it narrowed (a selection's ``apply``), so these queries never learn what a filter means.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import ResponseAnalysis
from askwhy.store.response_filters import Restrict
from askwhy.store.tables import Conversation, Message, Response


@dataclass(frozen=True)
class ResponseTotals:
    """How many responses a filter selects, how many are completed and analysed, the newest one's
    time, and the last time any of them changed (a response is kept current turn by turn)."""

    responses: int
    completed: int
    enriched: int
    newest: datetime | None
    last_change: datetime | None


@dataclass(frozen=True)
class ConversationRow:
    """What the funnel needs of one conversation."""

    channel: str
    status: str
    invited_at: datetime
    first_reply_at: datetime | None


@dataclass(frozen=True)
class ProgramCount:
    program: str
    real: int
    simulated: int


def response_totals(*, session: Session, restrict: Restrict) -> ResponseTotals:
    """The totals of the responses ``restrict`` keeps, analysed ones counted through an outer join:
    one aggregate query, cheap enough to ask every few seconds (the live poll asks nothing else)."""
    completed = func.sum(case((Response.completion == "completed", 1), else_=0))
    totals = select(
        func.count(),
        completed,
        func.count(ResponseAnalysis.response_id),
        func.max(Response.responded_at),
        func.max(Response.updated_at),
    ).select_from(Response)
    joined = totals.outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
    count, done, enriched, newest, changed = session.execute(restrict(joined)).one()
    return ResponseTotals(
        responses=int(count or 0),
        completed=int(done or 0),
        enriched=int(enriched or 0),
        newest=newest,
        last_change=changed,
    )


NEWEST_CHANGES = 200
"""A program's most recently changed responses looked at first for a selection's latest change."""


def last_change(*, session: Session, restrict: Restrict, program: str | None = None) -> datetime | None:
    """The latest change of any response ``restrict`` keeps. With the ``program`` ``restrict``
    keeps, the program's `NEWEST_CHANGES` most recently changed responses are looked at first,
    from the index on (program, updated_at): the newest of them the selection keeps is the latest
    change of all it keeps (any it keeps changed later would be among them). Otherwise, or when it
    keeps none of them, every response it keeps is looked at: a selection with dates had SQLite
    read each of its responses by time and sort them, whatever the newest change."""
    newest_first = select(Response.updated_at).order_by(Response.updated_at.desc()).limit(1)
    if program is not None:
        newest = (
            select(Response.id)
            .where(Response.program == program)
            .order_by(Response.updated_at.desc())
            .limit(NEWEST_CHANGES)
            .subquery()
        )
        found: datetime | None = session.scalar(
            restrict(newest_first.join(newest, newest.c.id == Response.id))
        )
        if found is not None:
            return found
    return session.scalar(restrict(newest_first))


def simulated_count(*, session: Session, restrict: Restrict) -> int:
    """Simulated responses among those ``restrict`` keeps (give it a selection that includes them)."""
    query = restrict(select(func.count()).select_from(Response).where(Response.simulated.is_(True)))
    return int(session.scalar(query) or 0)


def conversation_rows(
    *,
    session: Session,
    program: str,
    channel: str | None,
    language: str | None,
    since: datetime | None,
    until: datetime | None,
    include_simulated: bool,
) -> list[ConversationRow]:
    """Every conversation of ``program`` started in [since, until), with its first customer reply."""
    first_reply = (
        select(func.min(Message.created_at))
        .where(Message.conversation_id == Conversation.id, Message.direction == "in")
        .scalar_subquery()
    )
    query = select(Conversation.channel, Conversation.status, Conversation.started_at, first_reply).where(
        Conversation.program == program
    )
    if not include_simulated:
        query = query.where(Conversation.simulated.is_(False))
    if channel:
        query = query.where(Conversation.channel == channel)
    if language:
        query = query.where(Conversation.language == language)
    if since:
        query = query.where(Conversation.started_at >= since)
    if until:
        query = query.where(Conversation.started_at < until)
    return [ConversationRow(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class ProgressCount:
    """Conversations of one channel in one status, and whether the customer replied in them."""

    channel: str
    status: str
    replied: bool
    conversations: int


def conversation_progress_counts(
    *,
    session: Session,
    program: str,
    channel: str | None,
    language: str | None,
    since: datetime | None,
    until: datetime | None,
    include_simulated: bool,
    replied_when: Collection[str] = (),
) -> list[ProgressCount]:
    """`conversation_rows` counted by the database: conversations per channel, status and whether
    a customer message exists, so a funnel over 100,000 conversations reads a dozen rows. A status
    in ``replied_when`` counts as replied without looking for the message (the caller knows the
    status implies one), which spares most conversations a look into ``messages``."""
    has_reply = (
        select(Message.id)
        .where(Message.conversation_id == Conversation.id, Message.direction == "in")
        .exists()
    )
    replied = (
        case((Conversation.status.in_(list(replied_when)), True), else_=has_reply)
        if replied_when
        else has_reply
    )
    # Grouped by the index's own columns (the replied ones summed, not grouped on), so the
    # conversations stream from the covering index in its order with no sort of every row.
    replies = func.sum(case((replied, 1), else_=0))
    query = (
        select(Conversation.channel, Conversation.status, replies, func.count())
        .where(Conversation.program == program)
        .group_by(Conversation.channel, Conversation.status)
    )
    if not include_simulated:
        query = query.where(Conversation.simulated.is_(False))
    if channel:
        query = query.where(Conversation.channel == channel)
    if language:
        query = query.where(Conversation.language == language)
    if since:
        query = query.where(Conversation.started_at >= since)
    if until:
        query = query.where(Conversation.started_at < until)
    counted = []
    for group, status, answered, n in session.execute(query):
        for with_reply, count in ((True, int(answered or 0)), (False, int(n) - int(answered or 0))):
            if count:
                counted.append(ProgressCount(group, status, with_reply, count))
    return counted


def responses_per_program(*, session: Session) -> dict[str, ProgramCount]:
    """Real and simulated responses of every program that has any, by program name."""
    simulated = func.sum(case((Response.simulated.is_(True), 1), else_=0))
    query = select(Response.program, func.count(), simulated).group_by(Response.program)
    return {
        program: ProgramCount(program, int(total) - int(sims or 0), int(sims or 0))
        for program, total, sims in session.execute(query)
    }
