"""The codebook pages: themes with volume, sentiment and trend, and one theme's page.

The edits are in `theme_edits`, their history and undo in `theme_history`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from askwhy.insights.codebook import ThemeNotFound
from askwhy.insights.theme_pages import ThemeMerged, ThemePage, codebook_page, theme_page
from askwhy.report import charts
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.workspace.access import InProgram, ProgramAccess
from askwhy.service.workspace.filters import Filters, WorkspaceFilters

router = APIRouter(tags=["workspace"], include_in_schema=False)
ThemeId = Annotated[str, Path(max_length=32)]


@router.get("/programs/{program}/themes", response_class=HTMLResponse)
def themes(
    request: Request,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
) -> Response:
    with container.reads() as session:
        page = codebook_page(
            session=session, selection=filters.selection(access.program), period=filters.period
        )
    context = {**_context(access, filters), "codebook": page, "mix": charts.mix_bar}
    return templates.TemplateResponse(request, "workspace/themes.html", context)


@router.get("/programs/{program}/themes/{theme_id}", response_class=HTMLResponse)
def theme(  # noqa: PLR0917 (FastAPI maps the request to parameters)
    request: Request,
    theme_id: ThemeId,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
) -> Response:
    try:
        with container.reads() as session:
            page = theme_page(
                session=session,
                theme_id=theme_id,
                selection=filters.selection(access.program),
                period=filters.period,
                max_themes=container.settings.driver_max_themes,
                near_duplicate=container.near_duplicate,
            )
    except ThemeNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such theme") from None
    except ThemeMerged as merged:
        return RedirectResponse(
            theme_url(access.program, merged.into_id, filters), status_code=status.HTTP_303_SEE_OTHER
        )
    context = {**_context(access, filters), "theme": page, "trend_chart": _trend_chart(page)}
    return templates.TemplateResponse(request, "workspace/theme.html", context)


def theme_url(program: str, theme_id: str, filters: Filters) -> str:
    """A theme's page, with the same filters."""
    query = filters.query()
    return f"/programs/{quote(program, safe='')}/themes/{theme_id}" + (f"?{query}" if query else "")


def _context(access: ProgramAccess, filters: Filters) -> dict[str, Any]:
    return {
        "viewer": access.viewer,
        "program": access.program,
        "filters": filters,
        "page": "themes",
        "edits": access.role.edits_codebook,
    }


def _trend_chart(page: ThemePage) -> str:
    points = [
        charts.Point(p.start.isoformat(), 100 * p.share, 100 * p.low, 100 * p.high, p.analysed)
        for p in page.trend
    ]
    return charts.trend(points, unit="% of responses")
