"""The web chat page and the embeddable widget script."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse

from askwhy.service.dependencies import GuidesDep, TemplatesDep

router = APIRouter(tags=["web chat"])
WIDGET = Path(__file__).parents[1] / "static" / "widget.js"


@router.get("/chat/{program}", response_class=HTMLResponse)
def chat_page(program: str, request: Request, guides: GuidesDep, templates: TemplatesDep) -> HTMLResponse:
    guide = guides.get(program)
    if guide is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"program {program!r} does not exist")
    return templates.TemplateResponse(
        request, "chat.html", {"program": program, "title": guide.name, "brand": guide.brand}
    )


@router.get("/widget.js")
def widget() -> FileResponse:
    """The one-tag embed: ``<script src=".../widget.js" data-program="post-checkout"></script>``."""
    return FileResponse(
        WIDGET, media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"}
    )
