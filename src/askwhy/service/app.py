"""`create_app`: the FastAPI application, wired from a bootstrapped container."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from askwhy import __version__
from askwhy.bootstrap import Container
from askwhy.service import api_docs, api_keys
from askwhy.service.body_limit import BodyLimit, BodyLimits
from askwhy.service.form_bodies import FormBodyGuard
from askwhy.service.intake import WebhookIntake
from askwhy.service.json_bodies import JsonBodyGuard
from askwhy.service.lock_waits import LockWaitLimit
from askwhy.service.rate_limits import RateLimits
from askwhy.service.request_target import RequestTargetGuard
from askwhy.service.routes import (
    alert_rules,
    alerts,
    cases,
    channel_webhooks,
    chat,
    conversations,
    customers,
    events,
    exports,
    funnel,
    health,
    insights,
    links,
    transcripts,
    twilio,
    webhook_subscriptions,
    whatsapp,
)
from askwhy.service.security_headers import SecurityHeaders
from askwhy.service.workspace import ROUTERS as WORKSPACE_ROUTERS
from askwhy.service.workspace.oidc_provider import OpenIdProvider
from askwhy.service.workspace.sign_in_throttle import SignInThrottle
from askwhy.service.workspace.signed_in import NotSignedIn

HERE = Path(__file__).parent


def create_app(container: Container, *, inbox_storer: bool = False) -> FastAPI:
    """Build the app around an existing container; nothing global, so tests can build many.

    With ``inbox_storer``, a process of its own stores what the webhook inbox keeps, and the
    queue is not nudged to."""
    observed = container.settings.opentelemetry
    app = FastAPI(
        title="askwhy",
        version=__version__,
        docs_url=None,  # served offline by askwhy.service.api_docs
        redoc_url=None,
        telemetry={"tracing": observed, "metrics": observed, "logs": observed},
        lifespan=_lifespan,
    )
    app.state.container = container
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.intake = WebhookIntake(container, nudge_queue=not inbox_storer)
    app.add_middleware(LockWaitLimit, seconds=container.settings.request_lock_wait_seconds)
    app.state.rate_limits = RateLimits.from_settings(container.settings)
    api_docs.mount_assets(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # Webhooks first: they are the busiest routes, and a request is matched against the routes in order.
    for module in (whatsapp, twilio, health, chat, conversations, insights, events, customers, links):
        app.include_router(module.router)
    app.include_router(channel_webhooks.router)  # after the providers' own /webhooks/ routes
    app.include_router(transcripts.router)
    app.include_router(exports.router)
    app.include_router(alert_rules.router)
    app.include_router(webhook_subscriptions.router)
    app.include_router(alerts.router)
    app.include_router(cases.router)
    app.include_router(funnel.router)
    app.include_router(api_docs.router)
    for router in WORKSPACE_ROUTERS:
        app.include_router(router)
    app.state.sign_in_throttle = SignInThrottle.from_settings(container.settings)
    app.state.single_sign_on = OpenIdProvider.from_settings(container.settings)  # None when not configured
    app.add_exception_handler(NotSignedIn, _sign_in_first)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    # A SQLite write turn not had in time is sqlite3's own error, raised before SQLAlchemy wraps any.
    app.add_exception_handler(sqlite3.OperationalError, _database_unavailable)
    app.add_middleware(
        JsonBodyGuard, keyed_prefixes=("/v1/events",), key_valid=_key_checker(container.sessions)
    )
    app.add_middleware(FormBodyGuard)
    app.add_middleware(RequestTargetGuard)
    app.add_middleware(BodyLimit, limits=BodyLimits.from_settings(container.settings))  # before any read
    # Added last, so outermost: every response of the app gets the headers, its error responses too.
    app.add_middleware(SecurityHeaders, chat_frame_ancestors=container.settings.chat_frame_ancestors)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    # Connections opened in the server's event loop are closed in it (the rate limits' Redis).
    await app.state.rate_limits.close()


def _key_checker(sessions: sessionmaker[Session]) -> Callable[[str | None], bool | None]:
    def valid(presented: str | None) -> bool | None:
        """Whether the key is valid; None when the database cannot say now (answered 503)."""
        try:
            with sessions() as session:
                return api_keys.key_is_valid(session=session, presented=presented)
        except (OperationalError, sqlite3.OperationalError):
            return None

    return valid


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/sign-in", status_code=303)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(p) for p in err["loc"] if p != "body") or "body", "message": err["msg"]}
        for err in exc.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": "invalid request", "errors": errors})


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # A provider that gets 503 retries later; nothing was committed, so nothing is half-written.
    return JSONResponse(
        status_code=503,
        content={"detail": "the database is unavailable; retry later"},
        headers={"Retry-After": "5"},
    )
