"""Keeping the day tallies exact: the cells the triggers marked stale are counted again from their
rows before the transaction that changed them commits.

A cell holds one program's responses of one UTC day on one channel in one language (real or
simulated), a few dozen to a few hundred rows, so recounting it costs a few small indexed queries.
A change that touches many cells at once (a theme merged across a year of responses) recounts its
programs whole in one grouped pass instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, select
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import ResponseAnalysis, Sentence, ThemeMention
from askwhy.store.day_tally_tables import ResponseDay, ScoreDay, StaleDayCell, ThemeDay
from askwhy.store.tables import Response

MANY_CELLS = 200
"""Beyond this many stale cells, their programs are recounted whole (one grouped pass each)."""
CELL = ("program", "day", "channel", "language", "simulated")
TALLIES: tuple[Any, ...] = (ResponseDay, ScoreDay, ThemeDay)


def settle(*, session: Session) -> int:
    """Recount every stale cell the session can see and clear its mark; the number of cells settled.

    Runs before every commit of a writing session (`store.database.make_sessions`), so the tallies
    change in the same transaction as the rows they count."""
    stale = session.execute(select(StaleDayCell).limit(MANY_CELLS + 1)).scalars().all()
    if not stale:
        return 0
    if len(stale) > MANY_CELLS:
        programs = sorted(set(session.scalars(select(StaleDayCell.program).distinct())))
        for program in programs:
            recount_program(session=session, program=program)
        return len(stale)
    for cell in stale:
        start = datetime.combine(cell.day, time.min, tzinfo=UTC)
        _recount(
            session,
            tallied=lambda table, cell=cell: _same_cell(table, cell),  # type: ignore[misc]
            rows=and_(
                Response.program == cell.program,
                Response.channel == cell.channel,
                Response.language == cell.language,
                Response.simulated.is_(cell.simulated),
                Response.responded_at >= start,
                Response.responded_at < start + timedelta(days=1),
            ),
        )
        session.execute(delete(StaleDayCell).where(_same_cell(StaleDayCell, cell)))
    return len(stale)


def recount_program(*, session: Session, program: str) -> None:
    """Every tally of ``program`` counted again from its rows, and its stale marks cleared."""
    _recount(session, tallied=lambda table: table.program == program, rows=Response.program == program)
    session.execute(delete(StaleDayCell).where(StaleDayCell.program == program))


def recount_everything(*, session: Session) -> None:
    """Every tally counted again from the rows (after a bulk load that bypassed the sessions)."""
    for table in (*TALLIES, StaleDayCell):
        session.execute(delete(table))
    _recount(session, tallied=None, rows=None)


def _same_cell(table: Any, cell: StaleDayCell) -> ColumnElement[bool]:
    return and_(*(getattr(table, name) == getattr(cell, name) for name in CELL))


def _recount(
    session: Session,
    *,
    tallied: Callable[[Any], ColumnElement[bool]] | None,
    rows: ColumnElement[bool] | None,
) -> None:
    """Delete the tallies ``tallied`` picks and count them again from the responses ``rows`` picks."""
    if tallied is not None:
        for table in TALLIES:
            session.execute(delete(table).where(tallied(table)))
    day = _utc_day(session)
    cell = (Response.program, day, Response.channel, Response.language, Response.simulated)
    for table, counting in (
        (ResponseDay, _responses(cell)),
        (ScoreDay, _scores(cell)),
        (ThemeDay, _themes(cell)),
    ):
        query = counting if rows is None else counting.where(rows)
        names = [column.name for column in table.__table__.columns]
        session.execute(insert(table).from_select(names, query))


def _responses(cell: tuple[Any, ...]) -> Any:
    analysed = ResponseAnalysis.response_id
    return (
        select(
            *cell,
            func.count(),
            func.sum(case((Response.completion == "completed", 1), else_=0)),
            func.count(analysed),
            func.max(Response.responded_at),
            func.max(case((analysed.is_not(None), Response.responded_at))),
        )
        .select_from(Response)
        .outerjoin(ResponseAnalysis, analysed == Response.id)
        .group_by(*cell)
    )


def _scores(cell: tuple[Any, ...]) -> Any:
    return (
        select(*cell, Response.metric, Response.score, func.count())
        .where(Response.score.is_not(None))
        .group_by(*cell, Response.metric, Response.score)
    )


def _themes(cell: tuple[Any, ...]) -> Any:
    return (
        select(
            *cell,
            ThemeMention.theme_id,
            func.count(),
            func.count(func.distinct(ThemeMention.response_id)),
            func.coalesce(func.sum(Sentence.sentiment_score), 0.0),
            func.count(Sentence.sentiment_score),
            func.sum(case((ThemeMention.polarity > 0, 1), else_=0)),
            func.sum(case((ThemeMention.polarity < 0, 1), else_=0)),
        )
        .select_from(ThemeMention)
        .join(Sentence, Sentence.id == ThemeMention.sentence_id)
        .join(Response, Response.id == ThemeMention.response_id)
        .group_by(*cell, ThemeMention.theme_id)
    )


def _utc_day(session: Session) -> ColumnElement[Any]:
    """The UTC calendar day of ``responded_at``: SQLite keeps UTC text, PostgreSQL a zoned time."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", Response.responded_at))
    return func.date(Response.responded_at)
