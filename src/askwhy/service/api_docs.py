"""``GET /docs``: the interactive API docs, working offline.

Swagger UI's files come from the installed `fastapi-offline` package and are served under
``/static/docs/``; the page starts Swagger UI from a static script of askwhy's own, so it needs
no CDN and no inline script.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from askwhy.service.dependencies import TemplatesDep

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_PATH = "/static/docs"

router = APIRouter(include_in_schema=False)


def mount_assets(app: FastAPI) -> None:
    """Serve Swagger UI's files; mount before ``/static``, which would otherwise take their paths."""
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request, templates: TemplatesDep) -> HTMLResponse:
    app = request.app
    context = {"title": f"{app.title} API", "openapi_url": app.openapi_url}
    return templates.TemplateResponse(request, "api_docs.html", context)
