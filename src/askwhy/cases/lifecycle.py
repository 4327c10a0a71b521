"""What people do with a case: assign it, move its status, add notes, resolve and close it.

Every change is written to the case's history with who made it and when, in the transaction that
makes it. The first thing a person does on a case (a note or a status change) is its first
response, which the SLA's first deadline measures.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.cases import follow_up, notices
from askwhy.cases.notices import CaseNotifier
from askwhy.domain.cases import CaseEventKind, CaseStatus, InvalidTransition, check_transition
from askwhy.programs import catalog
from askwhy.store import cases as store
from askwhy.store.case_tables import Case

__all__ = ["CaseInputError", "CaseNotFound", "InvalidTransition", "add_note", "assign", "change_status"]

NOTE_LENGTH = 5000


class CaseNotFound(LookupError):
    """No case with this id (or not in the programs the caller may see)."""


class CaseInputError(ValueError):
    """A request a case cannot take; the message names the field."""


def locked(*, session: Session, case_id: str) -> Case:
    """The case, its row held until the transaction ends, so two edits never interleave."""
    found = store.case(session=session, case_id=case_id, lock=True)
    if found is None:
        raise CaseNotFound(case_id)
    return found


def assign(
    *, session: Session, case_id: str, owner: str, actor: str, now: datetime, notifier: CaseNotifier
) -> Case:
    """Give the case to ``owner`` (an e-mail of a member or the lead of one of the program's teams);
    the case moves to that person's team."""
    case = locked(session=session, case_id=case_id)
    _still_open(case)
    team = _team_of(session=session, case=case, owner=owner)
    previous = case.owner
    case.owner, case.team, case.updated_at = owner, team, now
    store.add_event(
        session=session, case_id=case.id, kind=CaseEventKind.ASSIGNED, actor=actor, at=now,
        details={"owner": owner, "team": team, "previous": previous},
    )  # fmt: skip
    notifier.case_event(
        session=session, event=notices.CASE_UPDATED, case=case, happened=CaseEventKind.ASSIGNED,
        recipients=(owner,),
    )  # fmt: skip
    return case


def change_status(
    *,
    session: Session,
    case_id: str,
    status: str,
    actor: str,
    now: datetime,
    notifier: CaseNotifier,
    note: str | None = None,
) -> Case:
    """Move the case to ``status`` if the lifecycle allows it (`InvalidTransition` otherwise)."""
    target = _status(status)
    case = locked(session=session, case_id=case_id)
    current = CaseStatus(case.status)
    check_transition(current, target)
    text = _note(note) if note is not None else None
    case.status, case.updated_at = target.value, now
    _first_response(case, now)
    if target is CaseStatus.RESOLVED:
        case.resolved_at = now
    elif target is CaseStatus.CLOSED:
        case.closed_at = now
    elif current is CaseStatus.RESOLVED:
        case.resolved_at = None  # reopened: the deadline counts again
    store.add_event(
        session=session, case_id=case.id, kind=CaseEventKind.STATUS_CHANGED, actor=actor, at=now, note=text,
        details={"from": current.value, "to": target.value},
    )  # fmt: skip
    if target is CaseStatus.RESOLVED:
        follow_up.ask(session=session, case=case, now=now)
    event = notices.CASE_RESOLVED if target is CaseStatus.RESOLVED else notices.CASE_UPDATED
    notifier.case_event(
        session=session, event=event, case=case, happened=CaseEventKind.STATUS_CHANGED, recipients=()
    )
    return case


def resolve(
    *,
    session: Session,
    case_id: str,
    actor: str,
    now: datetime,
    notifier: CaseNotifier,
    note: str | None = None,
) -> Case:
    """Resolve the case, with an optional note on what was done; the follow-up question is recorded."""
    return change_status(
        session=session, case_id=case_id, status=CaseStatus.RESOLVED.value, actor=actor, now=now,
        notifier=notifier, note=note,
    )  # fmt: skip


def add_note(
    *, session: Session, case_id: str, text: str, actor: str, now: datetime, notifier: CaseNotifier
) -> Case:
    """Add a note to the case's history (1 to 5,000 characters)."""
    note = _note(text)
    case = locked(session=session, case_id=case_id)
    _first_response(case, now)
    case.updated_at = now
    store.add_event(
        session=session, case_id=case.id, kind=CaseEventKind.NOTE_ADDED, actor=actor, at=now, note=note
    )
    notifier.case_event(
        session=session, event=notices.CASE_UPDATED, case=case, happened=CaseEventKind.NOTE_ADDED,
        recipients=(),
    )  # fmt: skip
    return case


def _first_response(case: Case, now: datetime) -> None:
    if case.first_response_at is None:
        case.first_response_at = now


def _still_open(case: Case) -> None:
    if not CaseStatus(case.status).is_active:
        raise InvalidTransition(f"owner: a {case.status} case cannot be reassigned; reopen it first")


def _team_of(*, session: Session, case: Case, owner: str) -> str:
    program = catalog.program(session=session, program_id=case.program)
    teams = program.teams if program is not None else []
    ordered = sorted(teams, key=lambda team: team.name != case.team)  # the case's own team first
    for team in ordered:
        if owner in team.members or owner == team.lead:
            return team.name
    names = ", ".join(team.name for team in teams) or "none"
    raise CaseInputError(
        f"owner: {owner!r} is not a member or lead of a team of {case.program} (teams: {names})"
    )


def _status(value: str) -> CaseStatus:
    try:
        return CaseStatus(value)
    except ValueError:
        names = ", ".join(status.value for status in CaseStatus)
        raise CaseInputError(f"status: {value!r} is not a case status ({names})") from None


def _note(text: str) -> str:
    stripped = text.strip()
    if not 1 <= len(stripped) <= NOTE_LENGTH:
        raise CaseInputError(f"note: write 1 to {NOTE_LENGTH} characters")
    return stripped
