"""The codebook's history: every edit (who, when, what) with an Undo button for analysts.

The codebook is shared by every program; a program's tab shows the edits its people may see
(`insights.program_codebook.history_of`): those made from its pages, and those of themes it sees
that quote no other customer's sentence.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from askwhy.insights import codebook_history
from askwhy.insights.codebook import CodebookError
from askwhy.insights.program_codebook import history_of
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.workspace.access import InProgram
from askwhy.service.workspace.filters import WorkspaceFilters
from askwhy.service.workspace.theme_edits import Csrf, check_editor, problem
from askwhy.store import codebook_edits

router = APIRouter(tags=["workspace"], include_in_schema=False)


@router.get("/programs/{program}/themes/history", response_class=HTMLResponse)
def history(  # noqa: PLR0917 (FastAPI maps the request to parameters)
    request: Request,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
    undone: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    with container.reads() as session:
        entries = history_of(
            session=session, program=access.program, rows=codebook_edits.codebook_history(session=session)
        )
        undos = codebook_edits.undos(session=session)
    context = {
        "viewer": access.viewer,
        "program": access.program,
        "filters": filters,
        "page": "themes",
        "edits": access.role.edits_codebook,
        "entries": entries,
        "undos": undos,
        "undone": undone,
    }
    return templates.TemplateResponse(request, "workspace/theme_history.html", context)


@router.post("/programs/{program}/themes/history/{entry_id}/undo")
def undo(  # noqa: PLR0917
    request: Request,
    entry_id: Annotated[int, Path(ge=1)],
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
    csrf: Csrf = None,
) -> Response:
    editor = check_editor(request, access, container, csrf)
    page = f"/programs/{quote(access.program, safe='')}/themes/history"
    try:
        with container.sessions.begin() as session:
            codebook_history.undo(session=session, editor=editor, entry_id=entry_id)
    except CodebookError as exc:
        return problem(request, access, filters, templates, message=str(exc), back=page)
    return RedirectResponse(f"{page}?undone={entry_id}", status_code=status.HTTP_303_SEE_OTHER)
