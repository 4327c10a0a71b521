"""Recounting stale day cells: the tallies of the cells the triggers marked are counted again from
their rows, a few cells per short transaction, away from the writes that marked them.

Writes only add a mark (the triggers of migration 0015, one small insert that never conflicts:
migration 0022); the analysis worker recounts each minute (`askwhy.tasks.analysis`), and reads
count the cells still marked from their rows (`store.day_tallies`), so a read is exact either way
and no conversation's turn waits for a count. A recount reads marks, counts their cells in later
statements, then deletes only the marks it read: a writer that had not committed when the marks
were read keeps its own mark for the next recount, so no change in flight is missed and no lock
is taken. A bulk change that marked many cells (a theme merged across a year, an import) recounts
its programs whole in one grouped pass each.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, delete, func, insert, literal, select
from sqlalchemy.orm import Session, sessionmaker

from askwhy.store.day_counting import CELL, TALLIES, CellKey, counting, rows_of, same_cell
from askwhy.store.day_tally_tables import RecountedCell, ResponseDay, StaleDayCell
from askwhy.store.tables import Response

CELLS_PER_TRANSACTION = 20
"""Stale cells recounted in one transaction: short enough that writers barely wait for it."""
MANY_CELLS = 200
"""Beyond this many stale cells, their programs are recounted whole (one grouped pass each)."""
MARKS = (
    StaleDayCell.program,
    StaleDayCell.day,
    StaleDayCell.channel,
    StaleDayCell.language,
    StaleDayCell.simulated,
)
RECOUNT_LOCK = 0x61736B77_79640001
"""PostgreSQL advisory lock key of recounts: one at a time (workers on several machines may each
run the minute's recount); writers never take it."""


def settle_everything(*, sessions: sessionmaker[Session]) -> int:
    """Recount every stale cell, in short transactions; returns how many cells were settled."""
    with sessions.begin() as session:
        waiting = session.scalar(select(func.count()).select_from(select(*MARKS).distinct().subquery())) or 0
        programs = sorted(set(session.scalars(select(StaleDayCell.program).distinct())))
    if waiting > MANY_CELLS:
        for program in programs:
            with sessions.begin() as session:
                recount_program(session=session, program=program)
        return waiting
    settled = 0
    while True:
        with sessions.begin() as session:
            done = settle(session=session)
        settled += done
        if done < CELLS_PER_TRANSACTION:
            return settled


def settle(*, session: Session, limit: int = CELLS_PER_TRANSACTION) -> int:
    """Recount up to ``limit`` stale cells in the session's transaction and delete the marks read
    on them; returns how many cells were settled."""
    _one_recount_at_a_time(session)
    cells = [CellKey(*row) for row in session.execute(select(*MARKS).distinct().limit(limit))]
    for key in cells:
        marks = _marks(session, same_cell(StaleDayCell, key))
        _recount(session, tallied=lambda table, key=key: same_cell(table, key), rows=rows_of(key))  # type: ignore[misc]
        _forget(session, marks)
    return len(cells)


def recount_program(*, session: Session, program: str) -> None:
    """Every tally of ``program`` counted again from its rows, and the marks read before cleared."""
    _one_recount_at_a_time(session)
    marks = _marks(session, StaleDayCell.program == program)
    _recount(session, tallied=lambda table: table.program == program, rows=Response.program == program)
    _forget(session, marks)


def _one_recount_at_a_time(session: Session) -> None:
    """PostgreSQL: wait for any other recount to commit (two would insert the same tally rows).
    SQLite has one writer at a time already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(RECOUNT_LOCK)))


def _marks(session: Session, which: ColumnElement[bool]) -> list[int]:
    """The ids of the marks ``which`` picks that this transaction can see: those its recount,
    read after, counts the changes of."""
    query = select(StaleDayCell.id)
    return list(session.scalars(query.where(which)))


def _forget(session: Session, marks: Sequence[int]) -> None:
    for start in range(0, len(marks), 500):
        session.execute(delete(StaleDayCell).where(StaleDayCell.id.in_(marks[start : start + 500])))


def _recount(
    session: Session,
    *,
    tallied: Callable[[Any], ColumnElement[bool]],
    rows: ColumnElement[bool],
) -> None:
    """Delete the tallies ``tallied`` picks and count them again from the responses ``rows`` picks."""
    for table in TALLIES:
        session.execute(delete(table).where(tallied(table)))
    dialect = session.get_bind().dialect.name
    for table in TALLIES:
        query = counting(table, dialect=dialect)
        names = [column.name for column in table.__table__.columns]
        session.execute(insert(table).from_select(names, query.where(rows)))
    _number(session, tallied=tallied)


def _number(session: Session, *, tallied: Callable[[Any], ColumnElement[bool]]) -> None:
    """Give the cells just recounted a new recount number (`RecountedCell`): those with responses
    have a `ResponseDay` row, the others have no number, as before their first response."""
    session.execute(delete(RecountedCell).where(tallied(RecountedCell)))
    recount = literal(secrets.randbits(62), BigInteger)
    counted = select(*(getattr(ResponseDay, name) for name in CELL), recount).where(tallied(ResponseDay))
    session.execute(insert(RecountedCell).from_select([*CELL, "recount"], counted))
