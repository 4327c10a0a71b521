"""Counting a day cell from its rows: the grouped queries that fill the day tallies.

The same queries serve twice: `store.day_recount` stores what they count for stale cells, and
`store.day_tallies` counts the cells still waiting to be recounted on the fly, so that a read is
exact whether or not its cells were recounted yet.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Date, Select, and_, case, func, select, type_coerce

from askwhy.store.analysis_tables import ResponseAnalysis, Sentence, ThemeMention
from askwhy.store.day_tally_tables import ResponseDay, ScoreDay, ThemeDay
from askwhy.store.tables import Response

CELL = ("program", "day", "channel", "language", "simulated")
TALLIES: tuple[Any, ...] = (ResponseDay, ScoreDay, ThemeDay)


class CellKey(NamedTuple):
    """One cell: a program's responses of one UTC day on one channel in one language."""

    program: str
    day: date
    channel: str
    language: str
    simulated: bool


def same_cell(table: Any, key: CellKey) -> ColumnElement[bool]:
    """``table``'s rows of the cell ``key`` (any table with the five cell columns)."""
    return and_(*(getattr(table, name) == getattr(key, name) for name in CELL))


def rows_of(key: CellKey) -> ColumnElement[bool]:
    """The responses the cell ``key`` counts, by the program's index on (program, responded_at)."""
    start = datetime.combine(key.day, time.min, tzinfo=UTC)
    return and_(
        Response.program == key.program,
        Response.responded_at >= start,
        Response.responded_at < start + timedelta(days=1),
        Response.channel == key.channel,
        Response.language == key.language,
        Response.simulated.is_(key.simulated),
    )


def counting(table: Any, *, dialect: str) -> Select[Any]:
    """The grouped query that counts ``table`` (one of `TALLIES`) from the rows, every cell at once;
    its columns are the table's, in order and by name."""
    day = _utc_day(dialect)
    cell = (Response.program, day, Response.channel, Response.language, Response.simulated)
    build = {ResponseDay: _responses, ScoreDay: _scores, ThemeDay: _themes}[table]
    query = build(cell)
    names = [column.name for column in table.__table__.columns]
    return query.with_only_columns(
        *(column.label(name) for column, name in zip(query.selected_columns, names, strict=True)),
        maintain_column_froms=True,
    )


def _responses(cell: tuple[Any, ...]) -> Select[Any]:
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


def _scores(cell: tuple[Any, ...]) -> Select[Any]:
    return (
        select(*cell, Response.metric, Response.score, func.count())
        .where(Response.score.is_not(None))
        .group_by(*cell, Response.metric, Response.score)
    )


def _themes(cell: tuple[Any, ...]) -> Select[Any]:
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


def _utc_day(dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of ``responded_at``: SQLite keeps UTC text, PostgreSQL a zoned time;
    read back as a date either way."""
    if dialect == "postgresql":
        return type_coerce(func.date(func.timezone("UTC", Response.responded_at)), Date)
    return type_coerce(func.date(Response.responded_at), Date)
