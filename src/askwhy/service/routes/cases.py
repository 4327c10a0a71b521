"""Cases API: list and read close-the-loop cases; assign, move, annotate, reply and resolve; measures.

Reading needs an API key with the ``read`` scope (the excerpt is redacted); changing a case needs
``cases:write``. The key is recorded as the actor (``key:<id>``) in the case's history. A key limited
to some programs finds only their cases: another program's case is "case not found".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy.orm import Session, sessionmaker

from askwhy.cases import lifecycle, replies
from askwhy.cases.follow_up import FollowUpRefused
from askwhy.cases.measures import measures
from askwhy.cases.notices import CaseNotifier
from askwhy.cases.outbox_notices import OutboxNotifier
from askwhy.cases.views import CaseFilter, case_list, one_case, program_of
from askwhy.service.auth import CasesWriter
from askwhy.service.case_schemas import (
    AssignIn,
    CaseDetailOut,
    CaseMeasuresOut,
    CaseOut,
    CasesOut,
    MeasuresOut,
    NoteIn,
    ReplyIn,
    ResolveIn,
    StatusIn,
)
from askwhy.service.dependencies import ClockDep, ContainerDep, SessionsDep
from askwhy.service.key_programs import KeyReach, ReaderReach, ReadProgram
from askwhy.store.case_tables import Case

router = APIRouter(prefix="/v1", tags=["cases"])
T = TypeVar("T")
Filter = Annotated[str | None, Query(max_length=320)]


@dataclass(frozen=True)
class Acting:
    """Who changes a case (the key, ``key:<id>``), when, how its people hear of it, and the
    programs whose cases the key may change."""

    actor: str
    now: datetime
    notifier: CaseNotifier
    reach: KeyReach

    def as_arguments(self) -> dict[str, Any]:
        return {"actor": self.actor, "now": self.now, "notifier": self.notifier}


def _acting_as(key: CasesWriter, clock: ClockDep, container: ContainerDep) -> Acting:
    notifier = OutboxNotifier(base_url=container.settings.public_base_url)
    return Acting(actor=f"key:{key.id}", now=clock.now(), notifier=notifier, reach=KeyReach.of(key))


ActingAs = Annotated[Acting, Depends(_acting_as)]
"""A key with ``cases:write`` acting now; the notification outbox tells who needs to know."""


@router.get("/cases")
def list_cases(  # noqa: PLR0917 (FastAPI maps query parameters)
    sessions: SessionsDep,
    program: ReadProgram,
    team: Filter = None,
    owner: Filter = None,
    status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CasesOut:
    where = CaseFilter(program=program, team=team, owner=owner, status=status_)
    with sessions.begin() as session:
        return CasesOut(
            cases=[CaseOut.of(view) for view in case_list(session=session, where=where, limit=limit)]
        )


@router.get("/cases/{case_id}")
def get_case(
    case_id: str, reach: ReaderReach, sessions: SessionsDep, container: ContainerDep
) -> CaseDetailOut:
    region = container.settings.redaction_region

    def read(session: Session) -> CaseDetailOut:
        _reachable(session, case_id, reach)
        return CaseDetailOut.detail(one_case(session=session, case_id=case_id, region=region))

    return _acting(sessions, read)


@router.post("/cases/{case_id}/assign")
def assign(case_id: str, body: AssignIn, by: ActingAs, sessions: SessionsDep) -> CaseOut:
    def act(session: Session) -> Case:
        return lifecycle.assign(session=session, case_id=case_id, owner=body.owner, **by.as_arguments())

    return _changed(sessions, case_id, act, by.reach)


@router.post("/cases/{case_id}/status")
def change_status(case_id: str, body: StatusIn, by: ActingAs, sessions: SessionsDep) -> CaseOut:
    def act(session: Session) -> Case:
        return lifecycle.change_status(
            session=session,
            case_id=case_id,
            status=body.status,
            note=body.note,
            **by.as_arguments(),
        )

    return _changed(sessions, case_id, act, by.reach)


@router.post("/cases/{case_id}/notes")
def add_note(case_id: str, body: NoteIn, by: ActingAs, sessions: SessionsDep) -> CaseOut:
    def act(session: Session) -> Case:
        return lifecycle.add_note(session=session, case_id=case_id, text=body.note, **by.as_arguments())

    return _changed(sessions, case_id, act, by.reach)


@router.post("/cases/{case_id}/reply")
def reply(case_id: str, body: ReplyIn, by: ActingAs, sessions: SessionsDep) -> CaseOut:
    def act(session: Session) -> Case:
        return replies.reply(session=session, case_id=case_id, text=body.text, **by.as_arguments())

    return _changed(sessions, case_id, act, by.reach)


@router.post("/cases/{case_id}/resolve")
def resolve(case_id: str, by: ActingAs, sessions: SessionsDep, body: ResolveIn | None = None) -> CaseOut:
    def act(session: Session) -> Case:
        note = body.note if body else None
        return lifecycle.resolve(session=session, case_id=case_id, note=note, **by.as_arguments())

    return _changed(sessions, case_id, act, by.reach)


@router.get("/case-measures")
def case_measures(sessions: SessionsDep, clock: ClockDep, program: ReadProgram) -> CaseMeasuresOut:
    with sessions.begin() as session:
        found = measures(session=session, now=clock.now(), program=program)
    return CaseMeasuresOut(measures=[MeasuresOut.of(row) for row in found])


def _changed(
    sessions: sessionmaker[Session], case_id: str, action: Callable[[Session], Case], reach: KeyReach
) -> CaseOut:
    """Run the change in one transaction, then answer the case as it now reads."""

    def change(session: Session) -> CaseOut:
        _reachable(session, case_id, reach)
        action(session)
        return CaseOut.of(one_case(session=session, case_id=case_id))

    return _acting(sessions, change)


def _reachable(session: Session, case_id: str, reach: KeyReach) -> None:
    """Another program's case reads as a guessed one to a key limited to some programs."""
    if reach.only is not None and not reach.allows(program_of(session=session, case_id=case_id) or ""):
        raise lifecycle.CaseNotFound(case_id)


def _acting(sessions: sessionmaker[Session], action: Callable[[Session], T]) -> T:
    """Run the use case in one transaction, turning its refusals into 404, 409 and 422."""
    try:
        with sessions.begin() as session:
            return action(session)
    except lifecycle.CaseNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "case not found") from None
    except lifecycle.InvalidTransition as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except (lifecycle.CaseInputError, FollowUpRefused, replies.ReplyRefused) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
