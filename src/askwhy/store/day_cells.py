"""The day cells a selection covers, and which of them wait to be recounted.

A cell is one program's responses of one UTC day on one channel in one language, real or
simulated (`store.day_counting.CellKey`); the day tallies sum over cells (`store.day_tallies`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from askwhy.store.day_counting import CellKey
from askwhy.store.day_tally_tables import RecountedCell, StaleDayCell


@dataclass(frozen=True)
class Cells:
    """The cells of a selection: None means any; ``until`` is exclusive."""

    program: str | None = None
    channel: str | None = None
    language: str | None = None
    since: date | None = None
    until: date | None = None
    include_simulated: bool = False
    segment: tuple[str, str] | None = None
    """(name, value): only the responses with that segment value, read from the segment tallies
    (`day_tally_tables.SEGMENTED`); the cells are the same."""
    stale: tuple[CellKey, ...] = ()
    """Cells among these that wait to be recounted: counted from their rows (`current`)."""

    def holds(self, key: CellKey) -> bool:
        """Whether the cell ``key`` is one of these."""
        return (
            (self.include_simulated or not key.simulated)
            and all(
                getattr(self, name) in (None, getattr(key, name))
                for name in ("program", "channel", "language")
            )
            and (self.since is None or key.day >= self.since)
            and (self.until is None or key.day < self.until)
        )

    def where(self, table: Any) -> list[ColumnElement[bool]]:
        """The conditions that keep ``table``'s rows of these cells (a segment tally's when
        ``segment`` is set, the only tables with segment columns)."""
        conditions: list[ColumnElement[bool]] = []
        if not self.include_simulated:
            conditions.append(table.simulated.is_(False))
        for name in ("program", "channel", "language"):
            if (value := getattr(self, name)) is not None:
                conditions.append(getattr(table, name) == value)
        if self.since is not None:
            conditions.append(table.day >= self.since)
        if self.until is not None:
            conditions.append(table.day < self.until)
        if self.segment is not None:
            name, value = self.segment
            conditions.extend((table.segment_name == name, table.segment_value == value))
        return conditions


STALE_READ_AT_MOST = 200
"""Stale cells a read counts from their rows at most; past that (a bulk load not yet recounted)
the selection is counted from the responses whole."""


def with_stale(*, session: Session, cells: Cells) -> Cells | None:
    """``cells`` knowing which of them wait to be recounted, or None when more than
    `STALE_READ_AT_MOST` do."""
    query = (
        select(
            StaleDayCell.program,
            StaleDayCell.day,
            StaleDayCell.channel,
            StaleDayCell.language,
            StaleDayCell.simulated,
        )
        .where(*cells.where(StaleDayCell))
        .distinct()
    )  # one mark per change: a cell may have many
    stale = [CellKey(*row) for row in session.execute(query.limit(STALE_READ_AT_MOST + 1))]
    if len(stale) > STALE_READ_AT_MOST:
        return None
    return replace(cells, stale=tuple(stale))


def among(cells: Cells, *, stale: tuple[CellKey, ...]) -> Cells:
    """``cells`` knowing which of ``stale`` (found for a wider selection) are theirs."""
    mine = tuple(key for key in stale if cells.holds(key))
    return replace(cells, stale=mine)


def recounts_per_day(*, session: Session, cells: Cells) -> dict[date, tuple[tuple[str, str, bool, int], ...]]:
    """UTC day → (channel, language, simulated, recount) of each of its cells among ``cells`` that
    holds responses as last recounted (`RecountedCell`), in a fixed order: equal tuples on two
    reads mean no recount touched the day's cells in between."""
    query = (
        select(
            RecountedCell.day,
            RecountedCell.channel,
            RecountedCell.language,
            RecountedCell.simulated,
            RecountedCell.recount,
        )
        .where(*replace(cells, segment=None).where(RecountedCell))
        .order_by(*RecountedCell.__table__.primary_key)
    )
    found: dict[date, list[tuple[str, str, bool, int]]] = {}
    for day, channel, language, simulated, recount in session.execute(query):
        found.setdefault(day, []).append((channel, language, bool(simulated), int(recount)))
    return {day: tuple(versions) for day, versions in found.items()}
