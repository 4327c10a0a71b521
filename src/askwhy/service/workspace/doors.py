"""The workspace's doors: signing in (password or one-time link; single sign-on is
`askwhy.service.workspace.single_sign_on`), signing out, and its home page.

Every form carries a CSRF token: before sign-in, the HMAC of a random nonce cookie; after, the
HMAC of the session cookie. The session cookie is HttpOnly, SameSite=Lax, Secure behind https.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from askwhy.insights.overview import program_counts
from askwhy.people import accounts, browser_sessions
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.rate_limits import client_address
from askwhy.service.workspace.access import visible_programs
from askwhy.service.workspace.sign_in_throttle import SignInThrottle
from askwhy.service.workspace.signed_in import (
    SIGN_IN_NONCE,
    SignedInPerson,
    require_csrf,
    set_sign_in_nonce,
    sign_in_nonce,
)

router = APIRouter(tags=["workspace"], include_in_schema=False)
REFUSED = "That e-mail and password do not match an account that may sign in."


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, viewer: SignedInPerson, container: ContainerDep, templates: TemplatesDep
) -> Response:
    """Every program the person has a role in, each with its responses, linking to its overview."""
    visible = visible_programs(viewer, container)
    with container.reads() as session:
        counts = program_counts(session=session, programs=visible)
    names = {name: guide.name for name, guide in container.guides.items()}
    context = {"viewer": viewer, "programs": counts, "names": names}
    return templates.TemplateResponse(request, "workspace/home.html", context)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, container: ContainerDep, templates: TemplatesDep) -> Response:
    return sign_in_form(request, container, templates, problem=None, code=status.HTTP_200_OK)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(  # noqa: PLR0917 (FastAPI maps form fields to parameters)
    request: Request,
    container: ContainerDep,
    templates: TemplatesDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=200)],
) -> Response:
    secret = container.settings.secret_key.get_secret_value()
    require_csrf(request=request, secret_key=secret, token=csrf, cookie_name=SIGN_IN_NONCE)
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    if not throttle.allowed(address=client_address(request), email=email):
        problem = "Too many tries. Wait a few minutes, then try again."
        return sign_in_form(
            request, container, templates, problem=problem, code=status.HTTP_429_TOO_MANY_REQUESTS
        )
    with container.sessions.begin() as session:
        signed = accounts.sign_in_with_password(
            session=session, email=email, password=password, now=container.clock.now()
        )
    if signed is None:
        return sign_in_form(request, container, templates, problem=REFUSED, code=status.HTTP_401_UNAUTHORIZED)
    return session_started(container, signed)


@router.get("/sign-in/link/{secret}", response_class=HTMLResponse)
def sign_in_link_page(
    request: Request, secret: str, container: ContainerDep, templates: TemplatesDep
) -> Response:
    """A page with one button: the link is used by the POST, so mail scanners that fetch it use nothing."""
    nonce, new = sign_in_nonce(request)
    csrf = browser_sessions.csrf_token(
        secret_key=container.settings.secret_key.get_secret_value(), cookie=nonce
    )
    context = {"action": f"/sign-in/link/{secret}", "csrf": csrf}
    response = templates.TemplateResponse(request, "workspace/sign_in_link.html", context)
    if new:
        set_sign_in_nonce(response, nonce, secure=_secure(container))
    return response


@router.post("/sign-in/link/{secret}", response_class=HTMLResponse)
def sign_in_with_link(
    request: Request,
    secret: str,
    container: ContainerDep,
    templates: TemplatesDep,
    csrf: Annotated[str, Form(max_length=200)],
) -> Response:
    require_csrf(
        request=request, secret_key=container.settings.secret_key.get_secret_value(), token=csrf,
        cookie_name=SIGN_IN_NONCE,
    )  # fmt: skip
    with container.sessions.begin() as session:
        signed = accounts.sign_in_with_link(session=session, secret=secret, now=container.clock.now())
    if signed is None:
        problem = "This sign-in link has been used or has expired. Ask an admin for a new one."
        return sign_in_form(request, container, templates, problem=problem, code=status.HTTP_410_GONE)
    return session_started(container, signed)


@router.post("/sign-out")
def sign_out(
    request: Request,
    viewer: SignedInPerson,
    container: ContainerDep,
    csrf: Annotated[str, Form(max_length=200)],
) -> Response:
    """Ends every session of the person (the cookie alone could be replayed until it expires)."""
    secret = container.settings.secret_key.get_secret_value()
    require_csrf(request=request, secret_key=secret, token=csrf, cookie_name=browser_sessions.COOKIE)
    with container.sessions.begin() as session:
        accounts.sign_out_everywhere(session=session, person_id=viewer.person_id, now=container.clock.now())
    response = RedirectResponse("/sign-in", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(browser_sessions.COOKIE, path="/")
    return response


def sign_in_form(
    request: Request, container: ContainerDep, templates: TemplatesDep, *, problem: str | None, code: int
) -> Response:
    """The sign-in page, with a problem to show (a refused sign-in) and the status to answer it with."""
    nonce, new = sign_in_nonce(request)
    csrf = browser_sessions.csrf_token(
        secret_key=container.settings.secret_key.get_secret_value(), cookie=nonce
    )
    settings = container.settings
    single_sign_on = settings.oidc_display_name if settings.oidc_configured else None
    context = {"csrf": csrf, "problem": problem, "single_sign_on": single_sign_on}
    response = templates.TemplateResponse(request, "workspace/sign_in.html", context, status_code=code)
    if new:
        set_sign_in_nonce(response, nonce, secure=_secure(container))
    return response


def session_started(container: ContainerDep, signed: accounts.SignedIn) -> Response:
    """The redirect to the workspace that sets the session cookie, however the person signed in."""
    settings = container.settings
    cookie = browser_sessions.seal(
        secret_key=settings.secret_key.get_secret_value(),
        person_id=signed.person_id,
        session_version=signed.session_version,
        now=container.clock.now(),
    )
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        browser_sessions.COOKIE,
        cookie,
        max_age=settings.workspace_session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=_secure(container),
        path="/",
    )
    return response


def _secure(container: ContainerDep) -> bool:
    return container.settings.public_base_url.startswith("https://")
