"""Queries for close-the-loop cases: find, add, list, history, round-robin turns, overdue ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from askwhy.store.alert_tables import AlertRow
from askwhy.store.analysis_tables import ResponseAnalysis, ThemeMention
from askwhy.store.case_tables import Case, CaseEvent, TeamTurn
from askwhy.store.tables import Conversation, Response

ACTIVE = ("open", "in_progress", "waiting_customer")


@dataclass(frozen=True)
class CaseFilter:
    program: str | None = None
    team: str | None = None
    owner: str | None = None
    status: str | None = None
    overdue_at: datetime | None = None
    """Only active cases whose resolution deadline has passed by then."""


def case(*, session: Session, case_id: str, lock: bool = False) -> Case | None:
    """The case by id; ``lock`` holds its row until the transaction ends (PostgreSQL)."""
    query = select(Case).where(Case.id == case_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def case_for(*, session: Session, conversation_id: str, reason: str) -> Case | None:
    query = select(Case).where(Case.conversation_id == conversation_id, Case.reason == reason)
    return session.scalars(query).first()


def cases_of_conversation(*, session: Session, conversation_id: str) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.conversation_id == conversation_id)))


def add_case(*, session: Session, row: Case) -> Case:
    session.add(row)
    session.flush()
    return row


def add_event(
    *,
    session: Session,
    case_id: str,
    kind: str,
    at: datetime,
    actor: str | None = None,
    note: str | None = None,
    details: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(case_id=case_id, kind=kind, actor=actor, note=note, details=details or {}, at=at)
    session.add(event)
    return event


def history(*, session: Session, case_id: str) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def listed(*, session: Session, where: CaseFilter, limit: int = 100, offset: int = 0) -> list[Case]:
    """Cases matching the filter, most urgent deadline first, then newest."""
    query = select(Case)
    for column, value in ((Case.program, where.program), (Case.team, where.team), (Case.owner, where.owner),
                          (Case.status, where.status)):  # fmt: skip
        if value is not None:
            query = query.where(column == value)
    if where.overdue_at is not None:
        query = query.where(Case.status.in_(ACTIVE), Case.due_at <= where.overdue_at)
    order = (Case.due_at.is_(None), Case.due_at, Case.opened_at.desc(), Case.id)
    return list(session.scalars(query.order_by(*order).limit(limit).offset(offset)))


def take_turn(*, session: Session, program: str, team: str) -> int:
    """How many cases the team was given before this one (then counts this one): the round-robin
    position. The row is locked, so two openings at once never get the same member."""
    query = select(TeamTurn).where(TeamTurn.program == program, TeamTurn.team == team).with_for_update()
    turn = session.scalars(query).first()
    if turn is None:
        turn = TeamTurn(program=program, team=team, given=0)
        session.add(turn)
    given = turn.given
    turn.given = given + 1
    session.flush()
    return given


def overdue(*, session: Session, now: datetime, limit: int = 200) -> list[Case]:
    """Active cases past their resolution deadline that have not been escalated yet."""
    query = (
        select(Case)
        .where(Case.status.in_(ACTIVE), Case.due_at <= now, Case.escalated_at.is_(None))
        .order_by(Case.due_at, Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def for_measures(
    *, session: Session, program: str | None = None, since: datetime | None = None
) -> list[Case]:
    """Cases for measures: one program's or all, opened since ``since`` if given."""
    query = select(Case)
    if program is not None:
        query = query.where(Case.program == program)
    if since is not None:
        query = query.where(Case.opened_at >= since)
    return list(session.scalars(query.order_by(Case.opened_at)))


def response(*, session: Session, response_id: str) -> Response | None:
    return session.get(Response, response_id)


def conversation(*, session: Session, conversation_id: str) -> Conversation | None:
    return session.get(Conversation, conversation_id)


def load_for_opening(*, session: Session, response_ids: Sequence[str]) -> list[Response | Conversation]:
    """The responses and their conversations, loaded in two statements so that `response` and
    `conversation` find them in the session while a batch of responses is checked for cases.
    Keep the returned rows until the batch ends: the session holds unchanged rows only weakly."""
    responses = list(session.scalars(select(Response).where(Response.id.in_(response_ids))))
    conversation_ids = sorted({row.conversation_id for row in responses if row.conversation_id})
    if not conversation_ids:
        return list(responses)
    query = select(Conversation).where(Conversation.id.in_(conversation_ids))
    return [*responses, *session.scalars(query)]


def theme_ids(*, session: Session, response_id: str) -> list[str]:
    """The codebook themes analysis found in the response (empty until it is analysed)."""
    query = select(ThemeMention.theme_id).where(ThemeMention.response_id == response_id).distinct()
    return sorted(session.scalars(query))


def cases_by_conversation(*, session: Session, conversation_ids: Sequence[str]) -> dict[str, list[Case]]:
    """The cases of each of these conversations (an empty list for one without), in one statement."""
    found: dict[str, list[Case]] = {conversation_id: [] for conversation_id in conversation_ids}
    if found:
        for row in session.scalars(select(Case).where(Case.conversation_id.in_(list(found)))):
            found[row.conversation_id or ""].append(row)
    return found


def theme_ids_by_response(*, session: Session, response_ids: Sequence[str]) -> dict[str, list[str]]:
    """`theme_ids` of each of these responses, in one statement."""
    found: dict[str, set[str]] = {response_id: set() for response_id in response_ids}
    if found:
        query = select(ThemeMention.response_id, ThemeMention.theme_id).where(
            ThemeMention.response_id.in_(list(found))
        )
        for response_id, theme_id in session.execute(query):
            found[response_id].add(theme_id)
    return {response_id: sorted(themes) for response_id, themes in found.items()}


def changed_responses(*, session: Session, since: datetime, limit: int = 500) -> list[str]:
    """Conversations' responses written or analysed since ``since``: what a sweep checks again."""
    query = (
        select(Response.id)
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .where(
            or_(Response.updated_at >= since, ResponseAnalysis.enriched_at >= since),
            Response.conversation_id.is_not(None),
            Response.simulated.is_(False),
        )
        .order_by(Response.updated_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def open_alert_segments(*, session: Session, program: str) -> list[dict[str, Any]]:
    """The segments of the program's alerts not yet resolved (an empty one: the whole program)."""
    query = select(AlertRow.segment).where(AlertRow.program == program, AlertRow.state != "resolved")
    return [dict(segment or {}) for segment in session.scalars(query)]
