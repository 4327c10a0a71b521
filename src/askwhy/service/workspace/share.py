"""Share links: analysts make and revoke read-only links to a program's filtered overview, and anyone
holding one sees that overview signed out, read-only, redacted, until it expires or is revoked.

The link is ``/shared/{token}``; the access log masks the token (`askwhy.service.access_log`) and
the audit log keeps the link's id, never the token.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Form, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from askwhy.domain.people import Role
from askwhy.insights import shared_views
from askwhy.people import browser_sessions
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.rate_limits import LinkOpenLimit
from askwhy.service.workspace.access import InProgram
from askwhy.service.workspace.filters import Filters, WorkspaceFilters, read_filters
from askwhy.service.workspace.overview import overview_context
from askwhy.service.workspace.signed_in import require_csrf

router = APIRouter(tags=["workspace"], include_in_schema=False)
CsrfField = Annotated[str | None, Form(max_length=200)]
"""Optional in the form so that a missing token is refused like a wrong one: 403, not 422."""
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
"""The page's address is the credential: no cache keeps it, no link sends it on, no robot indexes it."""
ASK_AGAIN = "Ask whoever shared it for a new one."
BROKEN = ("This link does not work", "It may have been cut short when it was copied. " + ASK_AGAIN)
GONE = "This link no longer opens"


@router.post("/programs/{program}/share-links")
def create_share_link(  # noqa: PLR0917 (FastAPI maps form fields to parameters)
    request: Request,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    csrf: CsrfField = None,
    days: Annotated[int, Form()] = shared_views.DEFAULT_EXPIRY_DAYS,
) -> Response:
    """A new link to the overview with the filters of the page the form was on (analyst or above)."""
    _check_csrf(request, container, csrf)
    access.require(Role.ANALYST)
    with container.sessions.begin() as session:
        try:
            shared_views.create_share_link(
                session=session,
                secret_key=container.settings.secret_key.get_secret_value(),
                program=access.program,
                filters=filters.query(),
                person_id=access.viewer.person_id,
                days=days,
                now=container.clock.now(),
            )
        except shared_views.ShareError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return _back_to_exports(access.program, filters)


@router.post("/programs/{program}/share-links/{link_id}/revoke")
def revoke_share_link(
    request: Request,
    access: InProgram,
    container: ContainerDep,
    link_id: Annotated[str, Path(max_length=32)],
    csrf: CsrfField = None,
) -> Response:
    """Revoke one of the program's live links at once (analyst or above); 404 for any other link."""
    _check_csrf(request, container, csrf)
    access.require(Role.ANALYST)
    with container.sessions.begin() as session:
        revoked = shared_views.revoke_share_link(
            session=session,
            program=access.program,
            link_id=link_id,
            person_id=access.viewer.person_id,
            now=container.clock.now(),
        )
    if not revoked:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such live link")
    return _back_to_exports(access.program, None)


@router.get("/shared/{token}", response_class=HTMLResponse, dependencies=[LinkOpenLimit])
def shared_overview(
    request: Request,
    token: Annotated[str, Path(max_length=2000)],
    container: ContainerDep,
    templates: TemplatesDep,
) -> Response:
    """The overview a link was made for, read-only and signed out; 404 or 410 with the reason."""
    try:
        with container.sessions.begin() as session:
            view = shared_views.open_share_link(
                session=session,
                secret_key=container.settings.secret_key.get_secret_value(),
                token=token,
                now=container.clock.now(),
            )
    except shared_views.LinkUnknown:
        return _refused(request, templates, status.HTTP_404_NOT_FOUND, BROKEN)
    except shared_views.LinkGone as exc:
        return _refused(request, templates, status.HTTP_410_GONE, (GONE, f"{exc} {ASK_AGAIN}"))
    filters = _filters_of(view.filters)
    context = overview_context(container=container, program=view.program, filters=filters)
    context.update(viewer=None, read_only=True, page="overview", shared=view)
    return templates.TemplateResponse(request, "workspace/shared.html", context, headers=PRIVATE)


def _filters_of(query: str) -> Filters:
    values = parse_qs(query)

    def one(key: str) -> str | None:
        return values.get(key, [None])[0]

    return read_filters(
        since=one("since"), until=one("until"), channel=one("channel"), language=one("language"),
        segment=values.get("segment"), period=one("period"), simulated=one("simulated"),
    )  # fmt: skip


def _check_csrf(request: Request, container: ContainerDep, token: str | None) -> None:
    secret = container.settings.secret_key.get_secret_value()
    require_csrf(request=request, secret_key=secret, token=token, cookie_name=browser_sessions.COOKIE)


def _back_to_exports(program: str, filters: Filters | None) -> Response:
    query = f"?{filters.query()}" if filters and filters.query() else ""
    return RedirectResponse(
        f"/programs/{quote(program, safe='')}/exports{query}#share", status_code=status.HTTP_303_SEE_OTHER
    )


def _refused(request: Request, templates: TemplatesDep, code: int, problem: tuple[str, str]) -> Response:
    context = {"heading": problem[0], "explanation": problem[1]}
    return templates.TemplateResponse(
        request, "workspace/shared_refused.html", context, status_code=code, headers=PRIVATE
    )
