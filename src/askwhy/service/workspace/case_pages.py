"""Cases in the workspace: a program's queue (per team, per owner) and one case's page with its forms.

Everyone with a role in the program sees its cases; analysts and above act on them with plain
forms (POST, CSRF token, 303 back to the case) that work with JavaScript off. A case of another
program answers 404. The case page shows the end of the conversation redacted; its full
transcript, and the raw text for admins with a reason, stay on the conversation's own page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from askwhy.cases import lifecycle, replies, views
from askwhy.cases.lifecycle import CaseInputError, CaseNotFound
from askwhy.cases.notices import CaseNotifier
from askwhy.cases.outbox_notices import OutboxNotifier
from askwhy.cases.replies import ReplyRefused
from askwhy.domain.cases import CaseStatus, InvalidTransition
from askwhy.domain.people import Role
from askwhy.people import browser_sessions
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.workspace.access import InProgram, ProgramAccess
from askwhy.service.workspace.signed_in import require_csrf
from askwhy.store.cases import CaseFilter

router = APIRouter(tags=["workspace"], include_in_schema=False)
Csrf = Annotated[str | None, Form(max_length=200)]
Text = Annotated[str, Form(max_length=5000)]
Choice = Annotated[str | None, Query(max_length=320)]
STATUSES = [status.value for status in CaseStatus]


@dataclass(frozen=True)
class By:
    """Who acts on a case, when, and who hears of it."""

    actor: str
    now: datetime
    notifier: CaseNotifier


Act = Callable[[Session, By], object]
"""Runs one action on the case."""


@router.get("/programs/{program}/cases", response_class=HTMLResponse)
def case_queue(  # noqa: PLR0917 (FastAPI maps query parameters)
    request: Request,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    team: Choice = None,
    owner: Choice = None,
    case_status: Annotated[str | None, Query(alias="status", max_length=20)] = None,
    overdue: Annotated[bool, Query()] = False,
) -> Response:
    now = container.clock.now()
    if case_status and case_status not in STATUSES:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"status: one of {', '.join(STATUSES)}")
    where = CaseFilter(team=team or None, owner=owner or None, status=case_status or None,
                       overdue_at=now if overdue else None)  # fmt: skip
    with container.reads() as session:
        queue = views.case_queue(session=session, program_id=access.program, where=where, now=now)
    context = {
        "viewer": access.viewer, "program": access.program, "page": "cases", "queue": queue, "now": now,
        "where": where, "overdue": overdue, "statuses": STATUSES, "is_overdue": views.is_overdue,
    }  # fmt: skip
    return templates.TemplateResponse(request, "workspace/cases.html", context)


@router.get("/programs/{program}/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, case_id: str, access: InProgram, container: ContainerDep, templates: TemplatesDep
) -> Response:
    return _page(request, access, container, templates, case_id=case_id)


@router.post("/programs/{program}/cases/{case_id}/assign")
def assign(  # noqa: PLR0917 (FastAPI maps form fields to parameters)
    request: Request,
    case_id: str,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    owner: Annotated[str, Form(max_length=320)] = "",
    csrf: Csrf = None,
) -> Response:
    def act(session: Session, by: By) -> object:
        return lifecycle.assign(
            session=session,
            case_id=case_id,
            owner=owner.strip(),
            actor=by.actor,
            now=by.now,
            notifier=by.notifier,
        )

    return _acting(request, access, container, templates, case_id=case_id, csrf=csrf, act=act)


@router.post("/programs/{program}/cases/{case_id}/status")
def change_status(  # noqa: PLR0917
    request: Request,
    case_id: str,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    to: Annotated[str, Form(max_length=20)] = "",
    csrf: Csrf = None,
) -> Response:
    def act(session: Session, by: By) -> object:
        return lifecycle.change_status(
            session=session, case_id=case_id, status=to, actor=by.actor, now=by.now, notifier=by.notifier
        )

    return _acting(request, access, container, templates, case_id=case_id, csrf=csrf, act=act)


@router.post("/programs/{program}/cases/{case_id}/notes")
def add_note(  # noqa: PLR0917
    request: Request,
    case_id: str,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    text: Text = "",
    csrf: Csrf = None,
) -> Response:
    def act(session: Session, by: By) -> object:
        return lifecycle.add_note(
            session=session, case_id=case_id, text=text, actor=by.actor, now=by.now, notifier=by.notifier
        )

    return _acting(request, access, container, templates, case_id=case_id, csrf=csrf, act=act)


@router.post("/programs/{program}/cases/{case_id}/reply")
def reply(  # noqa: PLR0917
    request: Request,
    case_id: str,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    text: Text = "",
    csrf: Csrf = None,
) -> Response:
    def act(session: Session, by: By) -> object:
        return replies.reply(
            session=session, case_id=case_id, text=text, actor=by.actor, now=by.now, notifier=by.notifier
        )

    return _acting(request, access, container, templates, case_id=case_id, csrf=csrf, act=act)


@router.post("/programs/{program}/cases/{case_id}/resolve")
def resolve(  # noqa: PLR0917
    request: Request,
    case_id: str,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    note: Text = "",
    csrf: Csrf = None,
) -> Response:
    def act(session: Session, by: By) -> object:
        return lifecycle.resolve(
            session=session,
            case_id=case_id,
            note=note.strip() or None,
            actor=by.actor,
            now=by.now,
            notifier=by.notifier,
        )

    return _acting(request, access, container, templates, case_id=case_id, csrf=csrf, act=act)


def case_url(program: str, case_id: str) -> str:
    return f"/programs/{quote(program, safe='')}/cases/{quote(case_id, safe='')}"


def _acting(
    request: Request,
    access: ProgramAccess,
    container: ContainerDep,
    templates: TemplatesDep,
    *,
    case_id: str,
    csrf: str | None,
    act: Act,
) -> Response:
    """Check the form and the role, run the action in one transaction, and go back to the case; an
    action the case cannot take shows the case again with the reason (409, or 422 for a field)."""
    secret = container.settings.secret_key.get_secret_value()
    require_csrf(request=request, secret_key=secret, token=csrf, cookie_name=browser_sessions.COOKIE)
    access.require(Role.ANALYST)
    by = By(
        actor=access.viewer.email,
        now=container.clock.now(),
        notifier=OutboxNotifier(base_url=container.settings.public_base_url),
    )
    try:
        with container.sessions.begin() as session:
            if views.program_of(session=session, case_id=case_id) != access.program:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such case in {access.program}")
            act(session, by)
    except (CaseInputError, ReplyRefused) as exc:
        return _page(request, access, container, templates, case_id=case_id, problem=str(exc),
                     code=status.HTTP_422_UNPROCESSABLE_CONTENT)  # fmt: skip
    except InvalidTransition as exc:
        return _page(request, access, container, templates, case_id=case_id, problem=str(exc),
                     code=status.HTTP_409_CONFLICT)  # fmt: skip
    return RedirectResponse(case_url(access.program, case_id), status_code=status.HTTP_303_SEE_OTHER)


def _shown(session: Session, access: ProgramAccess, case_id: str, region: str) -> views.CaseView:
    """The case with its history, if it is this program's (404 otherwise, as for no case at all)."""
    try:
        shown = views.one_case(session=session, case_id=case_id, region=region)
    except CaseNotFound:
        shown = None
    if shown is None or shown.case.program != access.program:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such case in {access.program}")
    return shown


def _page(
    request: Request,
    access: ProgramAccess,
    container: ContainerDep,
    templates: TemplatesDep,
    *,
    case_id: str,
    problem: str | None = None,
    code: int = status.HTTP_200_OK,
) -> Response:
    now = container.clock.now()
    with container.reads() as session:
        shown = _shown(session, access, case_id, container.settings.redaction_region)
        teams = views.program_teams(session=session, program_id=access.program)
    context = {
        "viewer": access.viewer, "program": access.program, "page": "cases", "shown": shown, "now": now,
        "teams": teams, "statuses": STATUSES, "problem": problem, "is_overdue": views.is_overdue,
        "may_act": access.role.at_least(Role.ANALYST), "action": case_url(access.program, case_id),
        "conversation_url": _conversation_url(access.program, shown),
    }  # fmt: skip
    return templates.TemplateResponse(request, "workspace/case.html", context, status_code=code)


def _conversation_url(program: str, shown: views.CaseView) -> str | None:
    if shown.case.conversation_id is None:
        return None
    return f"/programs/{quote(program, safe='')}/conversations/{quote(shown.case.conversation_id, safe='')}"
