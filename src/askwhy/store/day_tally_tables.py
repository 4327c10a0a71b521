"""Day tallies: the responses of each program counted per UTC day, channel, language and
simulated flag (a *cell*), so the workspace's figures read a few thousand small rows instead of
every response, mention and sentence of a program.

Each table holds sums that add up across cells (a response belongs to exactly one cell, so even
"responses mentioning a theme" adds up). Database triggers (migration 0015) add a mark on a cell to
``stale_day_cells`` whenever a row it counts changes; the analysis worker counts marked cells again
(`store.day_recount`), and reads count the cells still marked from their rows (`store.day_tallies`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from askwhy.store.base import Base


class StaleDayCell(Base):
    """A mark on a cell whose tallies no longer match its rows: one per change, written by
    triggers, removed once a recount has read it (migration 0022)."""

    __tablename__ = "stale_day_cells"
    __table_args__ = (Index("ix_stale_day_cells_cell", "program", "day", "channel", "language", "simulated"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    program: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    simulated: Mapped[bool]


class ResponseDay(Base):
    """Responses of one cell: how many, completed, analysed, and the newest of each."""

    __tablename__ = "response_days"

    program: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    simulated: Mapped[bool] = mapped_column(primary_key=True)
    responses: Mapped[int]
    completed: Mapped[int]
    analysed: Mapped[int]
    newest: Mapped[datetime]
    newest_analysed: Mapped[datetime | None]


class ScoreDay(Base):
    """Scored responses of one cell per metric and score: the histograms every metric comes from."""

    __tablename__ = "score_days"

    program: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    simulated: Mapped[bool] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(8), primary_key=True)
    score: Mapped[int] = mapped_column(primary_key=True)
    responses: Mapped[int]


class ThemeDay(Base):
    """One theme in one cell: its mentions, the responses mentioning it, and their feeling."""

    __tablename__ = "theme_days"
    __table_args__ = (
        # Every column, theme after theme: a program's sums per theme come from this index alone
        # (migration 0024).
        Index("ix_theme_days_by_theme", "program", "simulated", "theme_id", "day", "channel", "language",
              "mentions", "responses", "sentiment_sum", "sentiment_n", "positive", "negative"),
    )  # fmt: skip

    program: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    simulated: Mapped[bool] = mapped_column(primary_key=True)
    theme_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    mentions: Mapped[int]
    responses: Mapped[int]
    sentiment_sum: Mapped[float] = mapped_column(Float)
    sentiment_n: Mapped[int]
    positive: Mapped[int]
    negative: Mapped[int]


SEGMENT_NAME_AT_MOST = 100
SEGMENT_VALUE_AT_MOST = 200
"""Segment names and values longer than these are not tallied: a selection naming one is counted
from the responses."""


class _SegmentCell:
    """A cell narrowed to the responses whose segment ``segment_name`` holds the text
    ``segment_value``: a response of the cell counts once for each of its segment values. Keyed by
    program and segment value first (these columns come first, in this order), so one value's rows
    are one range of the key."""

    program: Mapped[str] = mapped_column(String(100), primary_key=True, sort_order=-7)
    segment_name: Mapped[str] = mapped_column(String(SEGMENT_NAME_AT_MOST), primary_key=True, sort_order=-6)
    segment_value: Mapped[str] = mapped_column(String(SEGMENT_VALUE_AT_MOST), primary_key=True, sort_order=-5)
    day: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-4)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True, sort_order=-3)
    language: Mapped[str] = mapped_column(String(8), primary_key=True, sort_order=-2)
    simulated: Mapped[bool] = mapped_column(primary_key=True, sort_order=-1)


class SegmentResponseDay(_SegmentCell, Base):
    """`ResponseDay` per segment value (migration 0025)."""

    __tablename__ = "segment_response_days"

    responses: Mapped[int]
    completed: Mapped[int]
    analysed: Mapped[int]
    newest: Mapped[datetime]
    newest_analysed: Mapped[datetime | None]


class SegmentScoreDay(_SegmentCell, Base):
    """`ScoreDay` per segment value (migration 0025)."""

    __tablename__ = "segment_score_days"

    metric: Mapped[str] = mapped_column(String(8), primary_key=True)
    score: Mapped[int] = mapped_column(primary_key=True)
    responses: Mapped[int]


class SegmentThemeDay(_SegmentCell, Base):
    """`ThemeDay` per segment value (migration 0025)."""

    __tablename__ = "segment_theme_days"

    theme_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    mentions: Mapped[int]
    responses: Mapped[int]
    sentiment_sum: Mapped[float] = mapped_column(Float)
    sentiment_n: Mapped[int]
    positive: Mapped[int]
    negative: Mapped[int]


SEGMENTED: dict[Any, Any] = {
    ResponseDay: SegmentResponseDay,
    ScoreDay: SegmentScoreDay,
    ThemeDay: SegmentThemeDay,
}
"""Each tally's twin per segment value."""


class RecountedCell(Base):
    """Which recount last counted a cell (a random number per recount; migration 0026). A figure
    kept per day from before is still that day's while none of its cells is marked and each was
    last counted by the same recount: a change marks its cell, and the recount that clears the mark
    gives the cell a new number."""

    __tablename__ = "recounted_cells"

    program: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    simulated: Mapped[bool] = mapped_column(primary_key=True)
    recount: Mapped[int] = mapped_column(BigInteger)
