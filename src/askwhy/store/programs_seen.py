"""Which programs the store holds responses for: the workspace lists them beside the guides.

Both questions are asked on every workspace request (the live poll's too), so neither reads the
responses: the index on ``responses(program, ...)`` answers them by seeking, not scanning.
"""

from __future__ import annotations

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from askwhy.store.tables import Response


def programs_with_responses(*, session: Session) -> list[str]:
    """Every program name some response carries, imported feedback's included, sorted.

    A recursive "loose index scan": each step seeks the next program name after the last one,
    so the cost grows with the number of programs, not of responses."""
    first = select(func.min(Response.program).label("name")).cte("seen", recursive=True)
    following = select(func.min(Response.program)).where(Response.program > first.c.name).scalar_subquery()
    seen = first.union_all(select(following).where(first.c.name.is_not(None)))
    return sorted(session.scalars(select(seen.c.name).where(seen.c.name.is_not(None))))


def has_responses(*, session: Session, program: str) -> bool:
    """True when at least one response of ``program`` is stored (one index seek)."""
    query = select(literal(1)).select_from(Response).where(Response.program == program).limit(1)
    return session.scalar(query) is not None
