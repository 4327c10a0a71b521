"""The overview of one program: the metric over time, the funnel, top themes and movers, live.

Other pages render the same overview: ``overview_context(container=..., program=..., filters=...)``
returns the template context of ``workspace/overview.html`` (the figures, their charts, the live
poll's address). A read-only page (a share link) adds ``viewer=None`` and ``read_only=True`` to it:
the page then has no form and no live script, and names its filters in a sentence instead.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from askwhy.bootstrap import Container
from askwhy.insights.overview import Overview, gather
from askwhy.report import charts
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.workspace.access import InProgram
from askwhy.service.workspace.filters import Filters, WorkspaceFilters
from askwhy.service.workspace.overview_weighting import weighted_part

router = APIRouter(tags=["workspace"], include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}
"""The overview carries the team's figures and quotes' labels: no shared cache keeps it."""


@router.get("/programs/{program}", response_class=HTMLResponse)
def overview(
    request: Request,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
) -> Response:
    context = overview_context(container=container, program=access.program, filters=filters)
    context.update(viewer=access.viewer, page="overview", read_only=False)
    return templates.TemplateResponse(request, "workspace/overview.html", context, headers=NO_STORE)


def overview_context(*, container: Container, program: str, filters: Filters) -> dict[str, Any]:
    """The overview of ``program`` for ``filters``, as ``workspace/overview.html`` reads it."""
    with container.reads() as session:
        gathered = gather(session=session, selection=filters.selection(program), period=filters.period)
        weighted = weighted_part(
            session=session,
            program=program,
            selection=filters.selection(program),
            max_themes=container.settings.driver_max_themes,
        )
    guide = container.guides.get(program)
    return {
        "program": program,
        "program_name": guide.name if guide else program,
        "has_chat": guide is not None,
        "filters": filters,
        "overview": gathered,
        "charts": _charts(gathered),
        "weighted": weighted,
        "live_url": f"/programs/{quote(program, safe='')}/live?{filters.query()}",
        "poll_seconds": container.settings.workspace_poll_seconds,
        "read_only": False,
    }


def _charts(gathered: Overview) -> dict[str, Markup]:
    metric = gathered.metric
    trend = (
        charts.trend(
            [
                charts.Point(g.key, g.estimate.value, g.estimate.low, g.estimate.high, g.n)
                for g in metric.trend
            ],
            unit=metric.estimate.label,
        )
        if metric
        else ""
    )
    overall = gathered.funnel.overall
    funnel = charts.funnel(
        [
            charts.Step("Invited", overall.invited),
            charts.Step("Started", overall.started),
            charts.Step("Completed", overall.completed),
        ],
        unit="conversations",
    )
    return {"trend": Markup(trend), "funnel": Markup(funnel)}  # noqa: S704 (drawn and escaped in charts)
