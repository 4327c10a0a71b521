"""Cases as people and systems read them: the list with its filters, and one case with its history
and an excerpt of the conversation, redacted (raw customer text stays behind the transcript API)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from askwhy.cases.follow_up import is_recovered
from askwhy.cases.lifecycle import CaseNotFound
from askwhy.cases.measures import CaseMeasures, measures
from askwhy.domain.cases import CaseStatus
from askwhy.insights.transcript_views import TranscriptNotFound, show_conversation
from askwhy.programs import catalog
from askwhy.store import cases as store
from askwhy.store.case_tables import Case, CaseEvent
from askwhy.store.cases import CaseFilter

__all__ = ["CaseFilter", "CaseQueue", "CaseView", "HistoryEntry", "case_list", "case_queue", "one_case"]

EXCERPT_TURNS = 12
"""The conversation's last turns shown with a case: enough to act on, not the whole transcript."""


@dataclass(frozen=True)
class HistoryEntry:
    kind: str
    actor: str | None
    at: datetime
    note: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class ExcerptTurn:
    speaker: str
    text: str
    at: datetime


@dataclass(frozen=True)
class CaseView:
    case: Case
    recovered: bool
    history: list[HistoryEntry] = field(default_factory=list)
    excerpt: list[ExcerptTurn] = field(default_factory=list)


def case_list(*, session: Session, where: CaseFilter, limit: int = 100, offset: int = 0) -> list[CaseView]:
    """Cases matching ``where``, the nearest deadline first."""
    rows = store.listed(session=session, where=where, limit=limit, offset=offset)
    return [CaseView(case=row, recovered=is_recovered(row)) for row in rows]


@dataclass(frozen=True)
class CaseQueue:
    """A program's queue as the workspace shows it: the cases, who they may go to, and the measures."""

    cases: list[CaseView]
    teams: dict[str, list[str]]
    """Each team of the program and the people on it (members, then the lead)."""
    measures: list[CaseMeasures]


def case_queue(
    *, session: Session, program_id: str, where: CaseFilter, now: datetime, limit: int = 200
) -> CaseQueue:
    """The program's cases matching ``where`` (nearest deadline first), its teams and its measures."""
    where = replace(where, program=program_id)
    return CaseQueue(
        cases=case_list(session=session, where=where, limit=limit),
        teams=program_teams(session=session, program_id=program_id),
        measures=measures(session=session, now=now, program=program_id),
    )


def program_teams(*, session: Session, program_id: str) -> dict[str, list[str]]:
    """Each team of the program and the people a case may go to (members, then the lead)."""
    program = catalog.program(session=session, program_id=program_id)
    return {team.name: _people(team.members, team.lead) for team in (program.teams if program else [])}


def program_of(*, session: Session, case_id: str) -> str | None:
    """The program a case belongs to (None: no such case), for a caller that may act on it."""
    row = store.case(session=session, case_id=case_id)
    return row.program if row is not None else None


def is_overdue(case: Case, now: datetime) -> bool:
    """Still someone's work and past its resolution deadline."""
    return CaseStatus(case.status).is_active and case.due_at is not None and case.due_at <= now


def _people(members: list[str], lead: str | None) -> list[str]:
    return list(dict.fromkeys([*members, *([lead] if lead else [])]))


def one_case(*, session: Session, case_id: str, region: str = "US") -> CaseView:
    """The case with its full history and the redacted end of its conversation."""
    row = store.case(session=session, case_id=case_id)
    if row is None:
        raise CaseNotFound(case_id)
    history = [_entry(event) for event in store.history(session=session, case_id=case_id)]
    return CaseView(
        case=row, recovered=is_recovered(row), history=history, excerpt=_excerpt(session, row, region)
    )


def _entry(event: CaseEvent) -> HistoryEntry:
    return HistoryEntry(
        kind=event.kind, actor=event.actor, at=event.at, note=event.note, details=dict(event.details)
    )


def _excerpt(session: Session, case: Case, region: str) -> list[ExcerptTurn]:
    if case.conversation_id is None:
        return []  # the customer's data was erased
    try:
        shown = show_conversation(
            session=session, program=case.program, conversation_id=case.conversation_id, region=region
        )
    except TranscriptNotFound:
        return []
    return [ExcerptTurn(speaker=t.speaker, text=t.text, at=t.at) for t in shown.turns[-EXCERPT_TURNS:]]
