"""Counting a day cell from its rows: the grouped queries that fill the day tallies.

The same queries serve twice: `store.day_recount` stores what they count for stale cells, and
`store.day_tallies` counts the cells still waiting to be recounted on the fly, so that a read is
exact whether or not its cells were recounted yet.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Date, Select, String, and_, case, func, select, true, type_coerce

from askwhy.store.analysis_tables import ResponseAnalysis, Sentence, ThemeMention
from askwhy.store.day_tally_tables import (
    SEGMENT_NAME_AT_MOST,
    SEGMENT_VALUE_AT_MOST,
    SEGMENTED,
    ResponseDay,
    ScoreDay,
    ThemeDay,
)
from askwhy.store.tables import Response

CELL = ("program", "day", "channel", "language", "simulated")
TALLIES: tuple[Any, ...] = (ResponseDay, ScoreDay, ThemeDay, *SEGMENTED.values())
BUILT_FROM = {twin: table for table, twin in SEGMENTED.items()}


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
    day = utc_day(dialect)
    cell: tuple[Any, ...] = (Response.program, day, Response.channel, Response.language, Response.simulated)
    build = {ResponseDay: _responses, ScoreDay: _scores, ThemeDay: _themes}[BUILT_FROM.get(table, table)]
    if table not in BUILT_FROM:
        query = build(cell)
    else:
        each, name, value, kept = _segment_values(dialect)
        query = build((Response.program, name, value, *cell[1:])).join(each, true()).where(kept)
    names = [column.name for column in table.__table__.columns]
    return query.with_only_columns(
        *(column.label(name) for column, name in zip(query.selected_columns, names, strict=True)),
        maintain_column_froms=True,
    )


def _segment_values(dialect: str) -> tuple[Any, ColumnElement[Any], ColumnElement[Any], ColumnElement[bool]]:
    """Each response's segment values as rows of a table function joined to it, their name and
    value, and which of them a tally keeps: the values a segment filter can match
    (`store.response_filters`), short enough to be a key. On SQLite the filter compares the JSON
    value itself, so only text values can match; on PostgreSQL it compares ``->>``'s text, which
    ``jsonb_each_text`` gives for every value but null."""
    matchable: ColumnElement[bool]
    if dialect == "postgresql":
        an_object = case(
            (func.jsonb_typeof(Response.segment) == "object", Response.segment),
            else_=func.jsonb_build_object(),
        )
        each = func.jsonb_each_text(an_object).table_valued("key", "value")
        matchable = each.c.value.is_not(None)
    else:
        each = func.json_each(Response.segment).table_valued("key", "value", "type")
        matchable = and_(func.json_type(Response.segment) == "object", each.c.type == "text")
    name, value = type_coerce(each.c.key, String), type_coerce(each.c.value, String)
    kept = and_(
        matchable,
        func.length(name) <= SEGMENT_NAME_AT_MOST,
        func.length(value) <= SEGMENT_VALUE_AT_MOST,
    )
    return each, name, value, kept


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


def utc_day(dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of ``responded_at``: SQLite keeps UTC text, PostgreSQL a zoned time;
    read back as a date either way."""
    if dialect == "postgresql":
        return type_coerce(func.date(func.timezone("UTC", Response.responded_at)), Date)
    return type_coerce(func.date(Response.responded_at), Date)
