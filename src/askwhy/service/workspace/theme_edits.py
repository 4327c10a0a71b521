"""Codebook edits from a theme's page: rename, accept, merge, split, move a sentence.

Plain forms (POST, CSRF token, 303 back to a page) that work with JavaScript off. Analysts and
above only; every edit is logged by `codebook_history` and can be undone from the history page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from askwhy.domain.people import Role
from askwhy.insights import codebook_history
from askwhy.insights.codebook import CodebookError, ThemeNotFound, ThemeTextRefused
from askwhy.insights.codebook_history import Editor
from askwhy.insights.program_codebook import require_seen
from askwhy.people import browser_sessions
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.workspace.access import InProgram, ProgramAccess
from askwhy.service.workspace.filters import Filters, WorkspaceFilters
from askwhy.service.workspace.signed_in import require_csrf
from askwhy.service.workspace.themes import ThemeId, theme_url

router = APIRouter(tags=["workspace"], include_in_schema=False)
Csrf = Annotated[str | None, Form(max_length=200)]
Edit = Callable[[Session, Editor], str]
"""Runs one edit and returns the theme id whose page to show next."""


@router.post("/programs/{program}/themes/{theme_id}/rename")
def rename(  # noqa: PLR0917 (FastAPI maps form fields to parameters)
    request: Request,
    theme_id: ThemeId,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
    label: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
    csrf: Csrf = None,
) -> Response:
    def edit(session: Session, editor: Editor) -> str:
        codebook_history.rename(
            session=session, editor=editor, theme_id=theme_id, label=label, description=description.strip()
        )
        return theme_id

    return run_edit(request, access, filters, container, templates, csrf=csrf, edit=edit)


@router.post("/programs/{program}/themes/{theme_id}/accept")
def accept(  # noqa: PLR0917
    request: Request,
    theme_id: ThemeId,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
    csrf: Csrf = None,
) -> Response:
    def edit(session: Session, editor: Editor) -> str:
        codebook_history.accept(session=session, editor=editor, theme_id=theme_id)
        return theme_id

    return run_edit(request, access, filters, container, templates, csrf=csrf, edit=edit)


@router.post("/programs/{program}/themes/{theme_id}/merge")
def merge(  # noqa: PLR0917
    request: Request,
    theme_id: ThemeId,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
    into: Annotated[str, Form(max_length=32)] = "",
    csrf: Csrf = None,
) -> Response:
    def edit(session: Session, editor: Editor) -> str:
        if not into:
            raise CodebookError("choose the theme to merge it into")
        return codebook_history.merge(session=session, editor=editor, theme_id=theme_id, into_id=into).id

    return run_edit(
        request, access, filters, container, templates, csrf=csrf, edit=edit, themes=(theme_id, into)
    )


@router.post("/programs/{program}/themes/{theme_id}/split")
def split(  # noqa: PLR0917
    request: Request,
    theme_id: ThemeId,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
    csrf: Csrf = None,
) -> Response:
    def edit(session: Session, editor: Editor) -> str:
        codebook_history.split(session=session, editor=editor, theme_id=theme_id, parts=2)
        return theme_id

    return run_edit(request, access, filters, container, templates, csrf=csrf, edit=edit)


@router.post("/programs/{program}/themes/{theme_id}/move")
def move(  # noqa: PLR0917
    request: Request,
    theme_id: ThemeId,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
    sentence: Annotated[int, Form(ge=0)] = 0,
    to: Annotated[str, Form(max_length=32)] = "",
    csrf: Csrf = None,
) -> Response:
    def edit(session: Session, editor: Editor) -> str:
        if not sentence or not to:
            raise CodebookError("choose a sentence and the theme to move it to")
        codebook_history.move_sentence(
            session=session, editor=editor, sentence_id=sentence, from_id=theme_id, to_id=to
        )
        return theme_id

    return run_edit(
        request, access, filters, container, templates, csrf=csrf, edit=edit, themes=(theme_id, to)
    )


def check_editor(
    request: Request, access: ProgramAccess, container: ContainerDep, csrf: str | None
) -> Editor:
    """403 unless an analyst (or above) sent the form from askwhy; then who edits, from where, when."""
    access.require(Role.ANALYST)
    secret = container.settings.secret_key.get_secret_value()
    require_csrf(request=request, secret_key=secret, token=csrf, cookie_name=browser_sessions.COOKIE)
    return Editor(person_id=access.viewer.person_id, program=access.program, now=container.clock.now())


def run_edit(
    request: Request,
    access: ProgramAccess,
    filters: Filters,
    container: ContainerDep,
    templates: TemplatesDep,
    *,
    csrf: str | None,
    edit: Edit,
    themes: Sequence[str] = (),
) -> Response:
    """Check, run the edit in one transaction, and show the theme's page; an edit that makes no
    sense is answered 409 with its reason, a label or description refused as written 422. A theme
    the program does not see (the path's, or ``themes`` the form names) is not found, as on its page."""
    editor = check_editor(request, access, container, csrf)
    named = [request.path_params["theme_id"], *(theme for theme in themes if theme)]
    try:
        with container.sessions.begin() as session:
            require_seen(session=session, program=access.program, theme_ids=named)
            shown = edit(session, editor)
    except ThemeNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such theme") from None
    except CodebookError as exc:
        back = theme_url(access.program, request.path_params["theme_id"], filters)
        refused = isinstance(exc, ThemeTextRefused)
        code = status.HTTP_422_UNPROCESSABLE_CONTENT if refused else status.HTTP_409_CONFLICT
        return problem(request, access, filters, templates, message=str(exc), back=back, status_code=code)
    return RedirectResponse(theme_url(access.program, shown, filters), status_code=status.HTTP_303_SEE_OTHER)


def problem(
    request: Request,
    access: ProgramAccess,
    filters: Filters,
    templates: TemplatesDep,
    *,
    message: str,
    back: str,
    status_code: int = status.HTTP_409_CONFLICT,
) -> Response:
    """A page saying why the edit was not made, with a way back (409: the codebook is not as asked;
    422: the form's text is refused)."""
    context = {
        "viewer": access.viewer,
        "program": access.program,
        "filters": filters,
        "page": "themes",
        "message": message,
        "back": back,
    }
    return templates.TemplateResponse(
        request, "workspace/theme_problem.html", context, status_code=status_code
    )
