"""Recounting stale day cells: the tallies of the cells the triggers marked stale are counted again
from their rows, a few cells per short transaction, away from the writes that marked them.

Writes only mark (the triggers of migration 0015, one small insert); the analysis worker recounts
every minute (`askwhy.tasks.analysis`), and reads count the cells still marked from their rows
(`store.day_tallies`), so a read is exact either way and no conversation's turn waits for a count.
A cell holds one program's responses of one UTC day on one channel in one language, so recounting
it costs a few small indexed queries; a bulk change that marked many cells (a theme merged across
a year, an import) recounts its programs whole in one grouped pass each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from askwhy.store.day_counting import TALLIES, CellKey, counting, rows_of, same_cell
from askwhy.store.day_tally_tables import StaleDayCell
from askwhy.store.tables import Response

CELLS_PER_TRANSACTION = 20
"""Stale cells recounted in one transaction: short enough that writers barely wait for it."""
MANY_CELLS = 200
"""Beyond this many stale cells, their programs are recounted whole (one grouped pass each)."""


def settle_everything(*, sessions: sessionmaker[Session]) -> int:
    """Recount every stale cell, in short transactions; returns how many cells were settled."""
    with sessions.begin() as session:
        waiting = session.scalar(select(func.count()).select_from(StaleDayCell)) or 0
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
    """Recount up to ``limit`` stale cells in the session's transaction and clear their marks;
    returns how many were settled."""
    _hold_marks(session)
    stale = session.execute(select(*_key_columns()).limit(limit)).all()
    for row in stale:
        key = CellKey(*row)
        _recount(session, tallied=lambda table, key=key: same_cell(table, key), rows=rows_of(key))  # type: ignore[misc]
        session.execute(delete(StaleDayCell).where(same_cell(StaleDayCell, key)))
    return len(stale)


def recount_program(*, session: Session, program: str) -> None:
    """Every tally of ``program`` counted again from its rows, and its stale marks cleared."""
    _hold_marks(session)
    _recount(session, tallied=lambda table: table.program == program, rows=Response.program == program)
    session.execute(delete(StaleDayCell).where(StaleDayCell.program == program))


def recount_everything(*, session: Session) -> None:
    """Every tally counted again from the rows (after a bulk load that bypassed the triggers)."""
    _hold_marks(session)
    for table in (*TALLIES, StaleDayCell):
        session.execute(delete(table))
    _recount(session, tallied=None, rows=None)


def _key_columns() -> tuple[Any, ...]:
    return (
        StaleDayCell.program,
        StaleDayCell.day,
        StaleDayCell.channel,
        StaleDayCell.language,
        StaleDayCell.simulated,
    )


def _hold_marks(session: Session) -> None:
    """PostgreSQL: wait for every transaction that marked a cell to end, and keep new marks out
    until this one ends.

    A writer's trigger may have found a cell already marked (and so taken no row lock) while its
    change is not committed yet: recounting then would miss the change and clear the mark it
    relies on. Every mark takes the table's ROW EXCLUSIVE lock, which this mode waits for, and
    the mode conflicts with itself, so two recounts never race either. SQLite has one writer."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE stale_day_cells IN SHARE ROW EXCLUSIVE MODE"))


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
    dialect = session.get_bind().dialect.name
    for table in TALLIES:
        query = counting(table, dialect=dialect)
        names = [column.name for column in table.__table__.columns]
        session.execute(insert(table).from_select(names, query if rows is None else query.where(rows)))
