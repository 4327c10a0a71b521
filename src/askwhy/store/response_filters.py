"""Narrowing a query over ``responses`` to the responses a question is about.

The use cases own what a selection means (`askwhy.insights.selection.Selection`); this module
only turns its fields into WHERE clauses, so every query that counts responses filters them alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from askwhy.store.tables import Response

ResponseQuery = Select[Any]
"""A query that selects from, or joins, ``responses``."""
Restrict = Callable[[ResponseQuery], ResponseQuery]
"""A selection's ``apply``: the query narrowed to the selection's responses."""


def narrowed(
    query: ResponseQuery,
    *,
    program: str | None,
    channel: str | None,
    language: str | None,
    responded_from: datetime | None,
    responded_before: datetime | None,
    segment: Mapping[str, str],
    include_simulated: bool,
) -> ResponseQuery:
    """The query restricted to responses matching every filter given (None means any)."""
    if not include_simulated:
        query = query.where(Response.simulated.is_(False))
    if program:
        query = query.where(Response.program == program)
    if channel:
        query = query.where(Response.channel == channel)
    if language:
        query = query.where(Response.language == language)
    if responded_from:
        query = query.where(Response.responded_at >= responded_from)
    if responded_before:
        query = query.where(Response.responded_at < responded_before)
    for key, value in segment.items():
        query = query.where(Response.segment[key].as_string() == value)
    return query


def count_responses(*, session: Session, restrict: Restrict) -> int:
    """How many responses the selection holds, analysed or not."""
    return int(session.scalar(restrict(select(func.count()).select_from(Response))) or 0)
