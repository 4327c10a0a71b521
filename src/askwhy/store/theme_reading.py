"""Queries the theme pages read beyond the codebook views: counts per day, and the conversations
behind quotes.

Days are UTC calendar days, counted in the database so that a year of responses is a few hundred
rows whatever the volume.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import ResponseAnalysis, ThemeMention
from askwhy.store.response_filters import Restrict
from askwhy.store.tables import Response


def analysed_per_day(*, session: Session, restrict: Restrict) -> dict[date, int]:
    """Analysed responses per day: the denominator of a theme's share per period."""
    day = _day(session)
    query = select(day, func.count()).select_from(ResponseAnalysis).join(Response).group_by(day)
    return _days(session.execute(restrict(query)))


def theme_responses_per_day(*, session: Session, restrict: Restrict, theme_id: str) -> dict[date, int]:
    """Responses per day with at least one sentence in the theme."""
    day = _day(session)
    query = (
        select(day, func.count(func.distinct(ThemeMention.response_id)))
        .select_from(ThemeMention)
        .join(Response, Response.id == ThemeMention.response_id)
        .where(ThemeMention.theme_id == theme_id)
        .group_by(day)
    )
    return _days(session.execute(restrict(query)))


def latest_analysed(*, session: Session, restrict: Restrict) -> datetime | None:
    """When the newest analysed response of the selection was given."""
    query = select(func.max(Response.responded_at)).select_from(ResponseAnalysis).join(Response)
    value = session.scalar(restrict(query))
    return _aware(value) if value is not None else None


def conversations_of(*, session: Session, response_ids: Iterable[str]) -> dict[str, str]:
    """Response id → its conversation id, for the responses that came from a conversation."""
    ids = sorted(set(response_ids))
    if not ids:
        return {}
    query = select(Response.id, Response.conversation_id).where(
        Response.id.in_(ids), Response.conversation_id.is_not(None)
    )
    return {str(rid): str(cid) for rid, cid in session.execute(query)}


def _day(session: Session) -> ColumnElement[Any]:
    """The UTC day of a response, in this database's dialect (SQLite keeps UTC text)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", Response.responded_at))
    return func.date(Response.responded_at)


def _days(rows: Iterable[Any]) -> dict[date, int]:
    counts: dict[date, int] = {}
    for day, n in rows:
        if day is not None:
            key = day if isinstance(day, date) else date.fromisoformat(str(day))
            counts[key] = counts.get(key, 0) + int(n)
    return counts


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
