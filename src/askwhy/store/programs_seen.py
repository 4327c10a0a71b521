"""Which programs the store holds responses for: the workspace lists them beside the guides."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.store.tables import Response


def programs_with_responses(*, session: Session) -> list[str]:
    """Every program name some response carries, imported feedback's included, sorted."""
    return sorted(session.scalars(select(Response.program).distinct()))
