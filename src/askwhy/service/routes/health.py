"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from askwhy.service.dependencies import SessionsDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def health(sessions: SessionsDep) -> dict[str, str]:
    with sessions() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok"}
