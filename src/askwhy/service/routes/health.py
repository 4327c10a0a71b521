"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from askwhy.service.dependencies import ContainerDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def health(container: ContainerDep) -> dict[str, str]:
    # A read: it takes no write turn, so a busy or locked writer never holds up the answer.
    with container.reads() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok"}
