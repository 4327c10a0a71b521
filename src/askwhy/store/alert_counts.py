"""The counts detection reads: per UTC day, per program, of real (not simulated) analysed responses.

Everything is counted in the database and grouped by day, so a detection run reads a few hundred
rows whatever the volume of responses behind them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import ResponseAnalysis, Sentence, Theme, ThemeMention
from askwhy.store.tables import Response

LIVE_TOP_LEVEL = (Theme.parent_id.is_(None), Theme.status != "merged")


@dataclass(frozen=True)
class LiveTheme:
    id: str
    label: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class MentionText:
    """A sentence coded with a theme: redacted text, embedding, closeness to the theme, its response."""

    text: str
    embedding: bytes
    similarity: float
    response_id: str
    responded_at: datetime


def programs_analysed_since(*, session: Session, since: datetime) -> list[str]:
    """Programs with a real response analysed and given on or after ``since``."""
    query = _real(select(Response.program).distinct().join(ResponseAnalysis), since=since, until=None)
    return sorted(session.scalars(query))


def analysed_per_day(*, session: Session, program: str, since: datetime, until: datetime) -> dict[date, int]:
    """Analysed real responses of the program per day in [since, until): a share's denominator."""
    day = _day(session)
    query = select(day, func.count()).select_from(ResponseAnalysis).join(Response).group_by(day)
    query = _real(query.where(Response.program == program), since=since, until=until)
    return _days(session.execute(query))


def theme_responses_per_day(
    *, session: Session, program: str, since: datetime, until: datetime
) -> dict[str, dict[date, int]]:
    """Live top-level theme id → real responses of the program mentioning it, per day."""
    day = _day(session)
    query = (
        select(ThemeMention.theme_id, day, func.count(func.distinct(ThemeMention.response_id)))
        .join(Theme, Theme.id == ThemeMention.theme_id)
        .join(Response, Response.id == ThemeMention.response_id)
        .where(Response.program == program, *LIVE_TOP_LEVEL)
        .group_by(ThemeMention.theme_id, day)
    )
    counts: dict[str, dict[date, int]] = {}
    for theme_id, when, n in session.execute(_real(query, since=since, until=until)):
        if when is not None:
            counts.setdefault(theme_id, {})[_as_date(when)] = int(n)
    return counts


def analysed_per_segment_day(
    *, session: Session, program: str, name: str, since: datetime, until: datetime
) -> dict[str, dict[date, int]]:
    """Segment value → analysed real responses of the program with that value, per day."""
    day, value = _day(session), Response.segment[name].as_string()
    query = (
        select(value, day, func.count())
        .select_from(ResponseAnalysis)
        .join(Response)
        .where(Response.program == program, value.is_not(None))
        .group_by(value, day)
    )
    counts: dict[str, dict[date, int]] = {}
    for v, when, n in session.execute(_real(query, since=since, until=until)):
        if when is not None:
            counts.setdefault(str(v), {})[_as_date(when)] = int(n)
    return counts


def theme_responses_per_segment_day(
    *, session: Session, program: str, name: str, since: datetime, until: datetime
) -> dict[tuple[str, str], dict[date, int]]:
    """(live top-level theme id, segment value) → real responses mentioning the theme, per day."""
    day, value = _day(session), Response.segment[name].as_string()
    query = (
        select(ThemeMention.theme_id, value, day, func.count(func.distinct(ThemeMention.response_id)))
        .join(Theme, Theme.id == ThemeMention.theme_id)
        .join(Response, Response.id == ThemeMention.response_id)
        .where(Response.program == program, value.is_not(None), *LIVE_TOP_LEVEL)
        .group_by(ThemeMention.theme_id, value, day)
    )
    counts: dict[tuple[str, str], dict[date, int]] = {}
    for theme_id, v, when, n in session.execute(_real(query, since=since, until=until)):
        if when is not None:
            counts.setdefault((theme_id, str(v)), {})[_as_date(when)] = int(n)
    return counts


def live_themes(*, session: Session) -> dict[str, LiveTheme]:
    """The live top-level themes of the codebook, by id."""
    rows = session.execute(
        select(Theme.id, Theme.label, Theme.status, Theme.created_at).where(*LIVE_TOP_LEVEL)
    )
    return {row.id: LiveTheme(row.id, row.label, row.status, row.created_at) for row in rows}


def segment_names(*, session: Session, program: str, since: datetime, until: datetime) -> list[str]:
    """The segment names the program's responses carry in [since, until)."""
    query = _real(select(Response.segment).where(Response.program == program), since=since, until=until)
    return sorted({str(name) for segment in session.scalars(query.limit(2000)) for name in segment or {}})


def segment_shares(
    *, session: Session, program: str, theme_id: str, name: str, since: datetime, until: datetime
) -> dict[str, tuple[int, int]]:
    """Segment value → (responses mentioning the theme, analysed responses) in [since, until)."""
    value = Response.segment[name].as_string()
    mentioning = select(ThemeMention.response_id).where(ThemeMention.theme_id == theme_id)
    query = (
        select(value, func.count(), func.sum(case((Response.id.in_(mentioning), 1), else_=0)))
        .select_from(ResponseAnalysis)
        .join(Response)
        .where(Response.program == program, value.is_not(None))
        .group_by(value)
    )
    rows = session.execute(_real(query, since=since, until=until))
    return {str(v): (int(m or 0), int(n)) for v, n, m in rows}


def mention_texts(
    *,
    session: Session,
    program: str,
    theme_id: str,
    since: datetime,
    until: datetime,
    limit: int,
    segment: tuple[str, str] | None = None,
) -> list[MentionText]:
    """Up to ``limit`` sentences coded with the theme in [since, until) (of responses with the
    ``segment`` (name, value) if given), closest to the theme first."""
    query = (
        select(Sentence.text, Sentence.embedding, ThemeMention.similarity, Response.id, Response.responded_at)
        .join(Sentence, Sentence.id == ThemeMention.sentence_id)
        .join(Response, Response.id == ThemeMention.response_id)
        .where(ThemeMention.theme_id == theme_id, Response.program == program)
        .order_by(ThemeMention.similarity.desc(), Sentence.id)
        .limit(limit)
    )
    if segment is not None:
        query = query.where(Response.segment[segment[0]].as_string() == segment[1])
    rows = session.execute(_real(query, since=since, until=until))
    return [MentionText(t, e, float(s), r, when) for t, e, s, r, when in rows]


def detractor_sentences(
    *, session: Session, program: str, metric: str, since: datetime, until: datetime, limit: int
) -> list[MentionText]:
    """Up to ``limit`` sentences of the program's detractors on ``metric`` in [since, until), the most
    negative first (``similarity`` holds their negativity)."""
    query = (
        select(
            Sentence.text, Sentence.embedding, -Sentence.sentiment_score, Response.id, Response.responded_at
        )
        .join(Response, Response.id == Sentence.response_id)
        .where(Response.program == program, Response.metric == metric, Response.band == "detractor")
        .order_by(Sentence.sentiment_score, Sentence.id)
        .limit(limit)
    )
    rows = session.execute(_real(query, since=since, until=until))
    return [MentionText(t, e, float(s), r, when) for t, e, s, r, when in rows]


def scores_per_day(
    *, session: Session, program: str, since: datetime, until: datetime
) -> dict[tuple[str, date, int], int]:
    """(metric, day, score) → real responses of the program giving that score."""
    day = _day(session)
    query = (
        select(Response.metric, day, Response.score, func.count())
        .where(Response.program == program, Response.score.is_not(None))
        .group_by(Response.metric, day, Response.score)
    )
    return {
        (str(metric), _as_date(when), int(score)): int(n)
        for metric, when, score, n in session.execute(_real(query, since=since, until=until))
        if when is not None
    }


def pool_size(*, session: Session) -> int:
    """Sentences of real responses that no theme explains yet: discovery's input."""
    query = (
        select(func.count())
        .select_from(Sentence)
        .join(Response, Response.id == Sentence.response_id)
        .where(Sentence.theme_state == "pool", Response.simulated.is_(False))
    )
    return int(session.scalar(query) or 0)


def proposed_theme_members(
    *, session: Session, program: str, recent_since: datetime
) -> dict[str, tuple[int, int]]:
    """Proposed top-level theme id → (real responses mentioning it, of which given since ``recent_since``)."""
    recent = func.sum(case((Response.responded_at >= recent_since, 1), else_=0))
    query = (
        select(ThemeMention.theme_id, func.count(func.distinct(ThemeMention.response_id)), recent)
        .join(Theme, Theme.id == ThemeMention.theme_id)
        .join(Response, Response.id == ThemeMention.response_id)
        .where(Response.program == program, Theme.status == "proposed", *LIVE_TOP_LEVEL)
        .group_by(ThemeMention.theme_id)
    )
    rows = session.execute(_real(query, since=None, until=None))
    return {theme_id: (int(total), int(fresh or 0)) for theme_id, total, fresh in rows}


def analysed_total_and_recent(*, session: Session, program: str, recent_since: datetime) -> tuple[int, int]:
    """(analysed real responses of the program, of which given since ``recent_since``): the background."""
    recent = func.sum(case((Response.responded_at >= recent_since, 1), else_=0))
    query = select(func.count(), recent).select_from(ResponseAnalysis).join(Response)
    total, fresh = session.execute(
        _real(query.where(Response.program == program), since=None, until=None)
    ).one()
    return int(total or 0), int(fresh or 0)


def _real(query: Select[Any], *, since: datetime | None, until: datetime | None) -> Select[Any]:
    query = query.where(Response.simulated.is_(False))
    if since is not None:
        query = query.where(Response.responded_at >= since)
    if until is not None:
        query = query.where(Response.responded_at < until)
    return query


def _day(session: Session) -> ColumnElement[Any]:
    """The UTC day of a response, in this database's dialect (SQLite keeps UTC text)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", Response.responded_at))
    return func.date(Response.responded_at)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _days(rows: Iterable[Any]) -> dict[date, int]:
    return {_as_date(when): int(n) for when, n in rows if when is not None}
