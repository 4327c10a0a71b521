"""Single sign-on with the company's OpenID Connect provider: the button on the sign-in page sends
the browser to the provider, and the provider sends it back here with a code that becomes the same
workspace session a password gives.

The button is a plain link (``GET /sign-in/oidc``). The routes are asynchronous: the calls to the
provider wait without holding a server thread, and the database work runs in the thread pool.
Every refusal is the sign-in page with the reason, and no session.
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from askwhy.domain.people import Role
from askwhy.people import accounts, single_sign_on
from askwhy.people.single_sign_on import AccountPolicy, SignInRefused, VerifiedIdentity
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.rate_limits import client_address
from askwhy.service.workspace import oidc_flow_cookie
from askwhy.service.workspace.doors import session_started, sign_in_form
from askwhy.service.workspace.oidc_provider import OpenIdProvider, ProviderUnavailable, TokenRefused
from askwhy.service.workspace.sign_in_throttle import SignInThrottle
from askwhy.settings import Settings

router = APIRouter(tags=["workspace"], include_in_schema=False)
log = logging.getLogger(__name__)
Param = Annotated[str | None, Query(max_length=4096)]


@router.get("/sign-in/oidc", response_class=HTMLResponse)
async def start(request: Request, container: ContainerDep, templates: TemplatesDep) -> Response:
    """Send the browser to the provider, keeping state, nonce and PKCE verifier in a signed cookie.

    A link, not a form: the Content-Security-Policy's ``form-action 'self'`` stops a form's redirect
    to another site. Starting signs no one in, so it needs no CSRF token; the callback is what
    checks that the answer belongs to this browser."""
    provider = _provider(request)
    secret = container.settings.secret_key.get_secret_value()
    try:
        url, pending = await provider.authorization()
    except ProviderUnavailable as error:
        log.warning("single sign-on: cannot start, %s", error)
        return _refused(
            request, container, templates, _unavailable(container.settings), status.HTTP_502_BAD_GATEWAY
        )
    response = RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        oidc_flow_cookie.COOKIE,
        oidc_flow_cookie.seal(secret_key=secret, pending=pending, now=container.clock.now()),
        max_age=int(oidc_flow_cookie.LASTS.total_seconds()),
        httponly=True,
        samesite="lax",  # sent on the provider's redirect back, a top-level navigation
        secure=container.settings.public_base_url.startswith("https://"),
        path=oidc_flow_cookie.PATH,
    )
    return response


@router.get("/sign-in/oidc/callback", response_class=HTMLResponse)
async def callback(  # noqa: PLR0917 (FastAPI maps query parameters to arguments)
    request: Request,
    container: ContainerDep,
    templates: TemplatesDep,
    code: Param = None,
    state: Param = None,
    error: Param = None,
    iss: Param = None,
) -> Response:
    """Check the provider's answer against this browser's sign-in, then start the session."""
    provider = _provider(request)
    settings = container.settings
    name = settings.oidc_display_name
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    if not throttle.allowed_from(address=client_address(request)):
        problem = "Too many tries. Wait a few minutes, then try again."
        return _refused(request, container, templates, problem, status.HTTP_429_TOO_MANY_REQUESTS)
    pending = oidc_flow_cookie.opened(
        secret_key=settings.secret_key.get_secret_value(),
        cookie=request.cookies.get(oidc_flow_cookie.COOKIE),
        now=container.clock.now(),
    )
    if pending is None or state is None or not hmac.compare_digest(state.encode(), pending.state.encode()):
        problem = (
            "This sign-in did not start in this browser, or took longer than ten minutes. Start again "
            f"from {settings.public_base_url.rstrip('/')}/sign-in (a sign-in started at another address "
            "cannot finish here)."
        )
        return _refused(request, container, templates, problem, status.HTTP_400_BAD_REQUEST)
    early = _provider_said_no(name=name, issuer=provider.issuer, code=code, error=error, iss=iss)
    if early is not None:
        problem, audit_code = early
        await run_in_threadpool(_record_failure, container, audit_code)
        return _refused(request, container, templates, problem, status.HTTP_401_UNAUTHORIZED)
    assert code is not None  # checked by _provider_said_no
    try:
        identity = await provider.identity(code=code, pending=pending, now=container.clock.now())
    except TokenRefused as refused:
        log.warning("single sign-on refused: %s", refused)
        await run_in_threadpool(_record_failure, container, refused.code)
        problem = f"The answer from {name} could not be trusted: {refused}. You are not signed in."
        return _refused(request, container, templates, problem, status.HTTP_401_UNAUTHORIZED)
    except ProviderUnavailable as unavailable:
        log.warning("single sign-on: %s", unavailable)
        return _refused(request, container, templates, _unavailable(settings), status.HTTP_502_BAD_GATEWAY)
    signed = await run_in_threadpool(_sign_in, container, identity)
    if isinstance(signed, SignInRefused):
        return _refused(request, container, templates, signed.reason, status.HTTP_403_FORBIDDEN)
    response = session_started(container, signed)
    response.delete_cookie(oidc_flow_cookie.COOKIE, path=oidc_flow_cookie.PATH)
    return response


def _provider_said_no(
    *, name: str, issuer: str, code: str | None, error: str | None, iss: str | None
) -> tuple[str, str] | None:
    """The problem to show and the audit log's reason when the answer carries no usable code: the
    provider's error, no code, or (RFC 9207's ``iss``) an answer from another provider."""
    if iss is not None and iss.rstrip("/") != issuer.rstrip("/"):
        return f"This answer did not come from {name}. Start again.", "bad_iss"
    if error is not None or not code:
        said = (error or "no code came back")[:100]
        return f"{name} did not sign you in ({said}). Try again.", f"provider_{said[:40]}"
    return None


def policy(settings: Settings) -> AccountPolicy:
    """Who may sign in through the provider, as the settings say."""
    return AccountPolicy(
        allowed_domains=tuple(settings.oidc_allowed_domains),
        create_accounts=settings.oidc_create_accounts,
        new_account_role=Role(settings.oidc_new_account_role),
        trust_unverified_email=settings.oidc_trust_unverified_email,
    )


def _provider(request: Request) -> OpenIdProvider:
    provider: OpenIdProvider | None = request.app.state.single_sign_on
    if provider is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "single sign-on is not configured")
    return provider


def _sign_in(container: ContainerDep, identity: VerifiedIdentity) -> accounts.SignedIn | SignInRefused:
    """The session, or the refusal (returned, not raised, so that its audit entry is committed)."""
    with container.sessions.begin() as session:
        try:
            return single_sign_on.sign_in_with_identity(
                session=session,
                identity=identity,
                policy=policy(container.settings),
                now=container.clock.now(),
            )
        except SignInRefused as refused:
            return refused


def _record_failure(container: ContainerDep, code: str) -> None:
    with container.sessions.begin() as session:
        single_sign_on.record_failure(session=session, code=code, now=container.clock.now())


def _unavailable(settings: Settings) -> str:
    return (
        f"Signing in with {settings.oidc_display_name} is not possible right now: it did not answer "
        "as expected. Try again in a minute, or sign in with your password."
    )


def _refused(
    request: Request, container: ContainerDep, templates: TemplatesDep, problem: str, code: int
) -> Response:
    response = sign_in_form(request, container, templates, problem=problem, code=code)
    response.delete_cookie(oidc_flow_cookie.COOKIE, path=oidc_flow_cookie.PATH)
    return response
