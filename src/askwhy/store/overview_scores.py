"""Scores counted per UTC day in the database, so a metric over many responses reads a few hundred
rows (day × score) instead of every response."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from askwhy.store.response_filters import Restrict
from askwhy.store.tables import Response


def daily_score_histograms(*, session: Session, restrict: Restrict, metric: str) -> dict[date, Counter[int]]:
    """UTC day → score → responses, for the responses ``restrict`` keeps that are scored on ``metric``."""
    day = _utc_day(session)
    query = restrict(
        select(day, Response.score, func.count())
        .where(Response.metric == metric, Response.score.is_not(None))
        .group_by(day, Response.score)
    )
    days: dict[date, Counter[int]] = defaultdict(Counter)
    for value, score, count in session.execute(query):
        when = value if isinstance(value, date) else date.fromisoformat(str(value))
        days[when][int(score)] += int(count)
    return dict(sorted(days.items()))


def _utc_day(session: Session) -> ColumnElement[object]:
    """The UTC calendar day of ``responded_at``: SQLite keeps UTC text, PostgreSQL a zoned time."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", Response.responded_at))
    return func.date(Response.responded_at)
