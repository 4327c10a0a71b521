"""Alerts in the workspace: a program's alert episodes with their evidence, and the forms that
acknowledge, snooze and resolve them.

Everyone with a role in the program reads its alerts (the quotes were redacted before they were
stored); analysts and above act with plain forms (POST, CSRF token, 303 back to the list) that work
with JavaScript off. An alert of another program answers 404, as for no alert at all. The actions
are the ones the CLI and the API take (`askwhy.alerts.lifecycle`), recorded as the signed-in person.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from askwhy.alerts import lifecycle
from askwhy.alerts.lifecycle import AlertClosed, AlertNotFound, BadSnooze
from askwhy.domain.alerts import AlertState
from askwhy.domain.people import Role
from askwhy.people import browser_sessions
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.workspace.access import InProgram, ProgramAccess
from askwhy.service.workspace.signed_in import require_csrf

router = APIRouter(tags=["workspace"], include_in_schema=False)
Csrf = Annotated[str | None, Form(max_length=200)]
STATES = [state.value for state in AlertState]
SNOOZES = {
    "4h": timedelta(hours=4),
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "7d": timedelta(days=7),
}
"""The snoozes the form offers: the API and the CLI take any time in the future."""
SHOWN = 100

Act = Callable[[Session, str], object]
"""Runs one action on the alert, given who acts."""


@router.get("/programs/{program}/alerts", response_class=HTMLResponse)
def alert_list(
    request: Request,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    state: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    if state and state not in STATES:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"state: one of {', '.join(STATES)}")
    return _page(request, access, container, templates, state=AlertState(state) if state else None)


@router.post("/programs/{program}/alerts/{alert_id}/acknowledge")
def acknowledge(  # noqa: PLR0917 (FastAPI maps form fields to parameters)
    request: Request,
    alert_id: str,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    csrf: Csrf = None,
) -> Response:
    def act(session: Session, by: str) -> object:
        return lifecycle.acknowledge(session=session, alert_id=alert_id, by=by, now=container.clock.now())

    return _acting(request, access, container, templates, alert_id=alert_id, csrf=csrf, act=act)


@router.post("/programs/{program}/alerts/{alert_id}/snooze")
def snooze(  # noqa: PLR0917 (FastAPI maps form fields to parameters)
    request: Request,
    alert_id: str,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    duration: Annotated[str, Form(max_length=10)] = "",
    csrf: Csrf = None,
) -> Response:
    def act(session: Session, by: str) -> object:
        if duration not in SNOOZES:
            raise BadSnooze(f"duration: one of {', '.join(SNOOZES)}")
        now = container.clock.now()
        return lifecycle.snooze(
            session=session, alert_id=alert_id, until=now + SNOOZES[duration], by=by, now=now
        )

    return _acting(request, access, container, templates, alert_id=alert_id, csrf=csrf, act=act)


@router.post("/programs/{program}/alerts/{alert_id}/resolve")
def resolve(  # noqa: PLR0917
    request: Request,
    alert_id: str,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf: Csrf = None,
) -> Response:
    def act(session: Session, by: str) -> object:
        now = container.clock.now()
        return lifecycle.resolve(session=session, alert_id=alert_id, by=by, now=now, note=note.strip())

    return _acting(request, access, container, templates, alert_id=alert_id, csrf=csrf, act=act)


def alerts_url(program: str) -> str:
    return f"/programs/{quote(program, safe='')}/alerts"


def _acting(
    request: Request,
    access: ProgramAccess,
    container: ContainerDep,
    templates: TemplatesDep,
    *,
    alert_id: str,
    csrf: str | None,
    act: Act,
) -> Response:
    """Check the form and the role, run the action in one transaction, and go back to the list; an
    action the alert cannot take shows the list again with the reason (409, or 422 for a field)."""
    secret = container.settings.secret_key.get_secret_value()
    require_csrf(request=request, secret_key=secret, token=csrf, cookie_name=browser_sessions.COOKIE)
    access.require(Role.ANALYST)
    try:
        with container.sessions.begin() as session:
            _of_program(session, access, alert_id, container)
            act(session, access.viewer.email)
    except BadSnooze as exc:
        return _page(request, access, container, templates, problem=f"snooze: {exc}",
                     code=status.HTTP_422_UNPROCESSABLE_CONTENT)  # fmt: skip
    except AlertClosed as exc:
        return _page(request, access, container, templates, problem=str(exc), code=status.HTTP_409_CONFLICT)
    return RedirectResponse(alerts_url(access.program), status_code=status.HTTP_303_SEE_OTHER)


def _of_program(session: Session, access: ProgramAccess, alert_id: str, container: ContainerDep) -> None:
    """404 unless the alert exists and is this program's."""
    try:
        alert = lifecycle.get_alert(session=session, alert_id=alert_id, now=container.clock.now())
    except AlertNotFound:
        alert = None
    if alert is None or alert.program != access.program:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such alert in {access.program}")


def _page(
    request: Request,
    access: ProgramAccess,
    container: ContainerDep,
    templates: TemplatesDep,
    *,
    state: AlertState | None = None,
    problem: str | None = None,
    code: int = status.HTTP_200_OK,
) -> Response:
    now = container.clock.now()
    with container.reads() as session:
        shown = lifecycle.list_alerts(
            session=session, now=now, program=access.program, state=state, limit=SHOWN
        )
    context = {
        "viewer": access.viewer, "program": access.program, "page": "alerts", "alerts": shown, "now": now,
        "state": state.value if state else "", "states": STATES, "snoozes": list(SNOOZES), "problem": problem,
        "may_act": access.role.at_least(Role.ANALYST), "action": alerts_url(access.program),
    }  # fmt: skip
    return templates.TemplateResponse(request, "workspace/alerts.html", context, status_code=code)
