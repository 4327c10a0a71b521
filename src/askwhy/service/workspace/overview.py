"""The overview of one program: the metric over time, the funnel, top themes and movers, live."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from askwhy.service.dependencies import TemplatesDep
from askwhy.service.workspace.access import InProgram
from askwhy.service.workspace.filters import WorkspaceFilters

router = APIRouter(tags=["workspace"], include_in_schema=False)


@router.get("/programs/{program}", response_class=HTMLResponse)
def overview(
    request: Request, access: InProgram, filters: WorkspaceFilters, templates: TemplatesDep
) -> Response:
    context = {"viewer": access.viewer, "program": access.program, "filters": filters, "page": "overview"}
    return templates.TemplateResponse(request, "workspace/overview.html", context)
