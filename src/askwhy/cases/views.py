"""Cases as people and systems read them: the list with its filters, and one case with its history
and an excerpt of the conversation, redacted (raw customer text stays behind the transcript API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from askwhy.cases.follow_up import is_recovered
from askwhy.cases.lifecycle import CaseNotFound
from askwhy.insights.transcript_views import TranscriptNotFound, show_conversation
from askwhy.store import cases as store
from askwhy.store.case_tables import Case, CaseEvent
from askwhy.store.cases import CaseFilter

__all__ = ["CaseFilter", "CaseView", "HistoryEntry", "case_list", "one_case"]

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
