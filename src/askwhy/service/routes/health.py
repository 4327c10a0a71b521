"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from askwhy.service.dependencies import TransactionDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def health(session: TransactionDep) -> dict[str, str]:
    session.execute(text("SELECT 1"))
    return {"status": "ok"}
