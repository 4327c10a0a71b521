"""The overview's live check: a small JSON answer that changes when the figures would.

An open overview asks it every ``ASKWHY_WORKSPACE_POLL_SECONDS`` (``static/workspace.js``) and
reloads its figures when the fingerprint differs from the one it was drawn with. Polling, not a
push: every server process answers from the database, so any number of them behind any proxy
see the same new response. A poll that finds the data version unchanged answers with the totals
it counted last time (`read_cache`): one cheap query per poll.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from askwhy.insights.overview import freshness
from askwhy.insights.read_cache import reuse
from askwhy.service.dependencies import ContainerDep
from askwhy.service.workspace.access import InProgram
from askwhy.service.workspace.filters import WorkspaceFilters

router = APIRouter(tags=["workspace"], include_in_schema=False)


@router.get("/programs/{program}/live")
def live(access: InProgram, filters: WorkspaceFilters, container: ContainerDep) -> JSONResponse:
    """The fingerprint of the filtered overview: responses, completed and analysed ones, the last change."""
    with container.reads() as session:
        selection = filters.selection(access.program)
        fresh = reuse(
            session=session,
            question=("freshness", repr(selection)),
            compute=lambda: freshness(session=session, selection=selection),
        )
    body = {
        "fingerprint": fresh.token,
        "responses": fresh.responses,
        "completed": fresh.completed,
        "enriched": fresh.enriched,
        "newest": fresh.newest.isoformat() if fresh.newest else None,
        "poll_seconds": container.settings.workspace_poll_seconds,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
