"""Conversations: the list, and one conversation redacted, raw for admins with a logged reason.

A response imported from a file has no conversation; its page is under ``/responses/{id}``, which
also leads a conversation's response to its conversation. An id of another program answers 404.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from askwhy.domain.people import Role
from askwhy.insights import transcript_views
from askwhy.insights.conversation_list import list_responses
from askwhy.insights.transcript_views import ShownTranscript, TranscriptNotFound
from askwhy.people import browser_sessions
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.workspace.access import InProgram, ProgramAccess
from askwhy.service.workspace.filters import WorkspaceFilters
from askwhy.service.workspace.signed_in import require_csrf

router = APIRouter(tags=["workspace"], include_in_schema=False)
Kind = Literal["conversations", "responses"]
ReasonField = Annotated[str, Form(max_length=2000)]
CsrfField = Annotated[str, Form(max_length=200)]


@router.get("/programs/{program}/conversations", response_class=HTMLResponse)
def conversation_list(  # noqa: PLR0917 (FastAPI maps dependencies to parameters)
    request: Request,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    with container.reads() as session:
        listing = list_responses(session=session, selection=filters.selection(access.program), page=page)
    context = {
        "viewer": access.viewer,
        "program": access.program,
        "filters": filters,
        "page": "conversations",
        "listing": listing,
    }
    return templates.TemplateResponse(request, "workspace/conversations.html", context)


@router.get("/programs/{program}/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_page(
    request: Request,
    conversation_id: str,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
) -> Response:
    return _redacted_page(
        request, access, container, templates, kind="conversations", item_id=conversation_id
    )


@router.get("/programs/{program}/responses/{response_id}", response_class=HTMLResponse)
def response_page(
    request: Request, response_id: str, access: InProgram, container: ContainerDep, templates: TemplatesDep
) -> Response:
    return _redacted_page(request, access, container, templates, kind="responses", item_id=response_id)


@router.post("/programs/{program}/conversations/{conversation_id}/raw", response_class=HTMLResponse)
def raw_conversation(  # noqa: PLR0917 (FastAPI maps form fields to parameters)
    request: Request,
    conversation_id: str,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    csrf: CsrfField = "",
    reason: ReasonField = "",
) -> Response:
    """The raw text, for an admin who gave a reason; the reason goes to the audit log."""
    return _raw_page(request, access, container, templates, kind="conversations", item_id=conversation_id,
                     csrf=csrf, reason=reason)  # fmt: skip


@router.post("/programs/{program}/responses/{response_id}/raw", response_class=HTMLResponse)
def raw_response(  # noqa: PLR0917 (FastAPI maps form fields to parameters)
    request: Request,
    response_id: str,
    access: InProgram,
    container: ContainerDep,
    templates: TemplatesDep,
    csrf: CsrfField = "",
    reason: ReasonField = "",
) -> Response:
    """An imported response's raw comment, on the same terms as a conversation's."""
    return _raw_page(request, access, container, templates, kind="responses", item_id=response_id,
                     csrf=csrf, reason=reason)  # fmt: skip


def _redacted_page(
    request: Request,
    access: ProgramAccess,
    container: ContainerDep,
    templates: TemplatesDep,
    *,
    kind: Kind,
    item_id: str,
) -> Response:
    with container.reads() as session:
        shown = _show(session, access, kind, item_id, raw=False, region=container.settings.redaction_region)
    return _page(request, access, templates, shown, kind=kind, item_id=item_id)


def _raw_page(  # noqa: PLR0917 (the two raw routes share it)
    request: Request,
    access: ProgramAccess,
    container: ContainerDep,
    templates: TemplatesDep,
    kind: Kind,
    item_id: str,
    *,
    csrf: str,
    reason: str,
) -> Response:
    secret = container.settings.secret_key.get_secret_value()
    require_csrf(request=request, secret_key=secret, token=csrf, cookie_name=browser_sessions.COOKIE)
    access.require(Role.ADMIN)
    region = container.settings.redaction_region
    problem = transcript_views.reason_problem(reason)
    if problem is not None:
        with container.reads() as session:
            shown = _show(session, access, kind, item_id, raw=False, region=region)
        return _page(request, access, templates, shown, kind=kind, item_id=item_id, problem=problem,
                     reason=reason, code=status.HTTP_422_UNPROCESSABLE_CONTENT)  # fmt: skip
    with container.sessions.begin() as session:
        shown = _show(session, access, kind, item_id, raw=True, region=region)
        transcript_views.record_raw_view(
            session=session, person_id=access.viewer.person_id, program=access.program, shown=shown,
            reason=reason.strip(), now=container.clock.now(),
        )  # fmt: skip
    response = _page(request, access, templates, shown, kind=kind, item_id=item_id, reason=reason.strip())
    response.headers["Cache-Control"] = "no-store"
    return response


def _show(
    session: Session, access: ProgramAccess, kind: Kind, item_id: str, *, raw: bool, region: str
) -> ShownTranscript:
    try:
        if kind == "conversations":
            return transcript_views.show_conversation(
                session=session, program=access.program, conversation_id=item_id, raw=raw, region=region
            )
        return transcript_views.show_response(
            session=session, program=access.program, response_id=item_id, raw=raw, region=region
        )
    except TranscriptNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such {kind[:-1]} in {access.program}") from None


def _page(
    request: Request,
    access: ProgramAccess,
    templates: TemplatesDep,
    shown: ShownTranscript,
    *,
    kind: Kind,
    item_id: str,
    problem: str | None = None,
    reason: str = "",
    code: int = status.HTTP_200_OK,
) -> Response:
    context = {
        "viewer": access.viewer,
        "program": access.program,
        "page": "conversations",
        "shown": shown,
        "raw_action": f"/programs/{quote(access.program, safe='')}/{kind}/{quote(item_id, safe='')}/raw",
        "may_read_raw": access.role.reads_raw_text,
        "problem": problem,
        "reason": reason,
    }
    return templates.TemplateResponse(request, "workspace/conversation.html", context, status_code=code)
