"""The workspace: server-rendered pages where the team sees the why, with their own accounts.

``ROUTERS`` is every page's router, in the order the app includes them.
"""

from __future__ import annotations

from fastapi import APIRouter

from askwhy.service.workspace import (
    alert_pages,
    case_pages,
    conversation_pages,
    doors,
    exports,
    live,
    overview,
    share,
    single_sign_on,
    theme_edits,
    theme_history,
    themes,
    why,
)

ROUTERS: tuple[APIRouter, ...] = (
    doors.router,
    single_sign_on.router,
    overview.router,
    live.router,
    theme_history.router,
    themes.router,
    theme_edits.router,
    why.router,
    conversation_pages.router,
    case_pages.router,
    alert_pages.router,
    exports.router,
    share.router,
)
