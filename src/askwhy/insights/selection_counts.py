"""The counts behind the workspace's figures for a selection, from the day tallies where they can
answer and from the responses where they cannot.

The tallies (`store.day_tallies`) answer a selection of a program, channel, language, whole
days and one segment value in a few thousand rows, whatever the volume, counting the cells that
wait to be recounted from their rows; a selection with two segment values or more, or one with
very many cells waiting (a bulk load), is counted from the responses, mentions and sentences
themselves. Both give the same
numbers (tests compare them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from askwhy.insights import theme_day_sums
from askwhy.insights.selection import Selection, start_of
from askwhy.store import (
    day_cells,
    day_tallies,
    overview_counts,
    overview_scores,
    scores,
    theme_reading,
    theme_volumes,
)
from askwhy.store.day_cells import Cells
from askwhy.store.day_tally_tables import SEGMENT_NAME_AT_MOST, SEGMENT_VALUE_AT_MOST
from askwhy.store.theme_volumes import ThemeCount

STALE = "askwhy.day_tallies_stale"
FEW_THEMES = 2
"""A theme's own page asks for one or two themes: read from the tallies' by-theme index at once,
not from the sums of every theme kept per day (`theme_day_sums`)."""


@dataclass(frozen=True)
class Totals:
    """Responses of a selection: how many, completed, analysed, the newest, the last change."""

    responses: int
    completed: int
    enriched: int
    newest: datetime | None
    last_change: datetime | None


def tallied(*, session: Session, selection: Selection) -> Cells | None:
    """The selection's cells when the tallies can answer it exactly, else None: the segment
    tallies hold one segment value at a time, short ones only."""
    segment = None
    if selection.segment:
        if len(selection.segment) > 1:
            return None
        ((name, value),) = selection.segment.items()
        if len(name) > SEGMENT_NAME_AT_MOST or len(value) > SEGMENT_VALUE_AT_MOST:
            return None
        segment = (name, value)
    cells = Cells(
        program=selection.program,
        channel=selection.channel,
        language=selection.language,
        since=selection.since,
        until=selection.until,
        include_simulated=selection.include_simulated,
        segment=segment,
    )
    return _with_stale(session, cells)


def _with_stale(session: Session, cells: Cells) -> Cells | None:
    """`day_tallies.with_stale`, asked once per program and transaction (a page asks for many
    counts, over several windows and channels of one program)."""
    transaction = session.get_transaction()
    kept = session.info.get(STALE)
    if kept is None or kept[0] is not transaction:
        kept = session.info[STALE] = (transaction, {})
    answers: dict[tuple[str | None, bool], Cells | None] = kept[1]
    program = (cells.program, cells.include_simulated)
    if program not in answers:
        whole = Cells(program=cells.program, include_simulated=cells.include_simulated)
        answers[program] = day_cells.with_stale(session=session, cells=whole)
    found = answers[program]
    return None if found is None else day_cells.among(cells, stale=found.stale)


def totals(*, session: Session, selection: Selection) -> Totals:
    """How many responses, completed and analysed, the newest and the latest change of any."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        found = overview_counts.response_totals(session=session, restrict=selection.apply)
        return Totals(found.responses, found.completed, found.enriched, found.newest, found.last_change)
    counted = day_tallies.totals(session=session, cells=cells)
    changed = overview_counts.last_change(
        session=session, restrict=selection.apply, program=selection.program
    )
    return Totals(counted.responses, counted.completed, counted.analysed, counted.newest, changed)


def response_count(*, session: Session, selection: Selection) -> int:
    """How many responses the selection holds, analysed or not."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return overview_counts.response_totals(session=session, restrict=selection.apply).responses
    return day_tallies.totals(session=session, cells=cells).responses


def simulated_count(*, session: Session, selection: Selection) -> int:
    """Simulated responses the selection would hold with them included."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return overview_counts.simulated_count(session=session, restrict=selection.apply)
    return day_tallies.simulated_count(session=session, cells=cells)


def score_counts(*, session: Session, selection: Selection, metrics: Collection[str]) -> dict[str, int]:
    """Metric name → scored responses of the selection, for the metrics named."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return scores.score_counts(session=session, restrict=selection.apply, metrics=metrics)
    return day_tallies.score_counts(session=session, cells=cells, metrics=metrics)


def daily_score_histograms(
    *, session: Session, selection: Selection, metric: str
) -> dict[date, Counter[int]]:
    """UTC day → score → responses scored on ``metric``."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return overview_scores.daily_score_histograms(
            session=session, restrict=selection.apply, metric=metric
        )
    return day_tallies.daily_score_histograms(session=session, cells=cells, metric=metric)


def theme_counts(
    *, session: Session, selection: Selection, theme_ids: Collection[str] | None = None
) -> dict[str, ThemeCount]:
    """Theme id → its volume and feeling in the selection (every mentioned theme by default)."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return theme_volumes.theme_counts(session=session, restrict=selection.apply, theme_ids=theme_ids)
    if theme_ids is not None and len(theme_ids) <= FEW_THEMES:
        return day_tallies.theme_counts(session=session, cells=cells, theme_ids=theme_ids)
    return theme_day_sums.theme_counts(session=session, selection=selection, cells=cells, theme_ids=theme_ids)


def theme_counts_split(
    *, session: Session, selection: Selection, split_at: date
) -> tuple[dict[str, ThemeCount], dict[str, ThemeCount]]:
    """Every mentioned theme's counts before the day ``split_at`` and from it on."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return theme_volumes.theme_counts_split(
            session=session, restrict=selection.apply, split_at=start_of(split_at)
        )
    return theme_day_sums.theme_counts_split(
        session=session, selection=selection, cells=cells, split_at=split_at
    )


def enriched_count(*, session: Session, selection: Selection) -> int:
    """Analysed responses in the selection: the denominator of a theme's share."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return theme_volumes.enriched_count(session=session, restrict=selection.apply)
    return day_tallies.analysed_count(session=session, cells=cells)


def enriched_counts_split(*, session: Session, selection: Selection, split_at: date) -> tuple[int, int]:
    """Analysed responses before the day ``split_at`` and from it on."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return theme_volumes.enriched_counts_split(
            session=session, restrict=selection.apply, split_at=start_of(split_at)
        )
    return day_tallies.analysed_counts_split(session=session, cells=cells, split_at=split_at)


def analysed_per_day(*, session: Session, selection: Selection) -> dict[date, int]:
    """Analysed responses per UTC day."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return theme_reading.analysed_per_day(session=session, restrict=selection.apply)
    return day_tallies.analysed_per_day(session=session, cells=cells)


def theme_responses_per_day(*, session: Session, selection: Selection, theme_id: str) -> dict[date, int]:
    """Responses per UTC day with at least one sentence in the theme."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return theme_reading.theme_responses_per_day(
            session=session, restrict=selection.apply, theme_id=theme_id
        )
    return day_tallies.theme_responses_per_day(session=session, cells=cells, theme_id=theme_id)


def latest_analysed(*, session: Session, selection: Selection) -> datetime | None:
    """When the newest analysed response of the selection was given."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return theme_reading.latest_analysed(session=session, restrict=selection.apply)
    return day_tallies.latest_analysed(session=session, cells=cells)


def most_mentioned_themes(
    *, session: Session, selection: Selection, limit: int | None
) -> list[tuple[str, str]]:
    """(id, label) of the live top-level themes the selection mentions, most mentioned first."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return theme_volumes.most_mentioned_themes(session=session, restrict=selection.apply, limit=limit)
    mentions = theme_day_sums.mentions(session=session, selection=selection, cells=cells)
    return day_tallies.ranked_top_themes(session=session, mentions=mentions, limit=limit)
