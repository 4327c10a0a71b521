"""The counts metric-drop detection reads: scores and negative responses per UTC day, for a whole
program or per value of one segment name, and the negative sentences an alert quotes.

As in `askwhy.store.alert_counts`, everything is grouped in the database, so a run reads a few
hundred rows whatever the volume behind them; only real (not simulated) responses count.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from askwhy.store.alert_counts import MentionText, _as_date, _day, _real
from askwhy.store.analysis_tables import ResponseAnalysis, Sentence
from askwhy.store.tables import Response

WHOLE = ""
"""The segment value of counts over the whole program."""


def scores_per_day(
    *, session: Session, program: str, since: datetime, until: datetime, name: str | None = None
) -> dict[tuple[str, str, date, int], int]:
    """(metric, segment value, day, score) → real responses of the program giving that score; the
    value is ``WHOLE`` without a segment ``name``, else each value of that name (responses without
    it left out)."""
    day, value = _day(session), _value(name)
    query = (
        select(Response.metric, day, Response.score, func.count(), *value)
        .where(Response.program == program, Response.score.is_not(None), *(v.is_not(None) for v in value))
        .group_by(Response.metric, day, Response.score, *value)
    )
    return {
        (str(row[0]), str(row[4]) if value else WHOLE, _as_date(row[1]), int(row[2])): int(row[3])
        for row in session.execute(_real(query, since=since, until=until))
        if row[1] is not None
    }


def negatives_per_day(
    *, session: Session, program: str, since: datetime, until: datetime, name: str | None = None
) -> dict[tuple[str, date], tuple[int, int]]:
    """(segment value, day) → (analysed real responses whose sentiment is negative, analysed real
    responses); the value as in `scores_per_day`."""
    day, value = _day(session), _value(name)
    negative = func.sum(case((ResponseAnalysis.sentiment == "negative", 1), else_=0))
    query = (
        select(day, negative, func.count(), *value)
        .select_from(ResponseAnalysis)
        .join(Response)
        .where(Response.program == program, *(v.is_not(None) for v in value))
        .group_by(day, *value)
    )
    return {
        (str(row[3]) if value else WHOLE, _as_date(row[0])): (int(row[1] or 0), int(row[2]))
        for row in session.execute(_real(query, since=since, until=until))
        if row[0] is not None
    }


def unhappy_sentences(
    *,
    session: Session,
    program: str,
    since: datetime,
    until: datetime,
    limit: int,
    metric: str | None = None,
    segment: tuple[str, str] | None = None,
) -> list[MentionText]:
    """Up to ``limit`` negative sentences of the program in [since, until), the most negative first
    (``similarity`` holds their negativity): every sentence of the detractors on ``metric`` if given,
    else the negative sentences of anyone; of responses with the ``segment`` (name, value) if given."""
    query = (
        select(
            Sentence.text, Sentence.embedding, -Sentence.sentiment_score, Response.id, Response.responded_at
        )
        .join(Response, Response.id == Sentence.response_id)
        .where(Response.program == program)
        .order_by(Sentence.sentiment_score, Sentence.id)
        .limit(limit)
    )
    if metric is not None:
        query = query.where(Response.metric == metric, Response.band == "detractor")
    else:
        query = query.where(Sentence.sentiment == "negative")
    if segment is not None:
        query = query.where(Response.segment[segment[0]].as_string() == segment[1])
    rows = session.execute(_real(query, since=since, until=until))
    return [MentionText(t, e, float(s), r, when) for t, e, s, r, when in rows]


def _value(name: str | None) -> tuple[ColumnElement[Any], ...]:
    """The segment value's column when counting per value of ``name``; none for the whole program."""
    return () if name is None else (Response.segment[name].as_string(),)
