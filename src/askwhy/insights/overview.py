"""The overview of one program for a selection: the metric with its interval over time, responses,
the funnel, the top themes with their trend and the largest movers, each figure with its n.

The workspace's overview page and its read-only share page both render `gather`'s answer; the
live route asks only `freshness`, which changes whenever a response arrives or is analysed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from askwhy.domain.grouping import GroupEstimate, Period, period_start
from askwhy.domain.metrics import MetricEstimate, estimate_from_histogram
from askwhy.insights import selection_counts
from askwhy.insights.channel_funnels import ProgramFunnel, program_funnel
from askwhy.insights.read_cache import reuse
from askwhy.insights.scored import main_metric
from askwhy.insights.selection import Selection
from askwhy.insights.theme_movement import ThemeMove, ThemeMovement, comparison_window, theme_movement
from askwhy.insights.theme_views import ThemeSummary, is_subtheme, list_themes
from askwhy.store import day_cells, day_tallies
from askwhy.store.overview_counts import ProgramCount, responses_per_program

TOP_THEMES = 12
MOVERS = 5


@dataclass(frozen=True)
class Freshness:
    """What changes when a response arrives, gets a score, completes or is analysed; cheap to ask
    every few seconds."""

    responses: int
    completed: int
    enriched: int
    newest: datetime | None
    last_change: datetime | None

    @property
    def token(self) -> str:
        """Equal tokens mean the overview's figures are the same."""
        changed = self.last_change.isoformat() if self.last_change else "-"
        return f"{self.responses}.{self.completed}.{self.enriched}.{changed}"


@dataclass(frozen=True)
class MetricView:
    estimate: MetricEstimate
    period: Period
    trend: list[GroupEstimate]


@dataclass(frozen=True)
class ThemeRow:
    """One of the top themes over the whole selection, with its move between the last two windows."""

    theme: ThemeSummary
    subtheme: bool
    parent_label: str | None
    move: ThemeMove | None


@dataclass(frozen=True)
class Overview:
    selection: Selection
    freshness: Freshness
    simulated_left_out: int
    """Simulated responses the selection leaves out (0 when they are included)."""
    metric: MetricView | None
    metric_note: str | None
    """Why there is no metric (no scored response), when there is none."""
    funnel: ProgramFunnel
    themes: list[ThemeRow]
    movement: ThemeMovement | None
    movers: list[ThemeMove]

    @property
    def empty(self) -> bool:
        return self.freshness.responses == 0

    @property
    def only_simulated(self) -> bool:
        """Nothing real to show, but simulated responses would show with the switch on."""
        return self.empty and self.simulated_left_out > 0


def freshness(*, session: Session, selection: Selection) -> Freshness:
    """Responses of the selection: how many, completed, analysed, the newest, the last change."""
    totals = selection_counts.totals(session=session, selection=selection)
    return Freshness(totals.responses, totals.completed, totals.enriched, totals.newest, totals.last_change)


def gather(*, session: Session, selection: Selection, period: Period | None) -> Overview:
    """Everything the overview shows; ``period`` None chooses one from the span of the data.

    Computed once per state of the data: a poll that finds new data redraws it, an unchanged page
    shown again reuses it (`read_cache`)."""
    question = ("overview", repr(selection), period)
    return reuse(session=session, question=question, compute=lambda: _gather(session, selection, period))


def _gather(session: Session, selection: Selection, period: Period | None) -> Overview:
    fresh = freshness(session=session, selection=selection)
    left_out = 0
    if not selection.include_simulated:
        with_simulated = replace(selection, include_simulated=True)
        left_out = selection_counts.simulated_count(session=session, selection=with_simulated)
    metric, note = _metric(session=session, selection=selection, period=period)
    chosen = period or (metric.period if metric else Period.WEEK)
    window = comparison_window(
        since=selection.since, until=selection.until, newest=fresh.newest, period=chosen
    )
    movement = theme_movement(session=session, selection=selection, window=window) if window else None
    return Overview(
        selection=selection,
        freshness=fresh,
        simulated_left_out=left_out,
        metric=metric,
        metric_note=note,
        funnel=program_funnel(session=session, selection=selection),
        themes=_top_themes(session=session, selection=selection, movement=movement, enriched=fresh.enriched),
        movement=movement,
        movers=movement.largest(MOVERS) if movement else [],
    )


def program_counts(*, session: Session, programs: list[str]) -> list[ProgramCount]:
    """Real and simulated responses of each program, in the order given (zero for none)."""
    counts = reuse(session=session, question=("per program",), compute=lambda: _per_program(session=session))
    return [counts.get(name, ProgramCount(name, 0, 0)) for name in programs]


def _per_program(*, session: Session) -> dict[str, ProgramCount]:
    """Real and simulated responses of every program, from the day tallies unless very many cells
    wait to be recounted."""
    cells = day_cells.with_stale(session=session, cells=day_cells.Cells(include_simulated=True))
    if cells is None:
        return responses_per_program(session=session)
    counted = day_tallies.responses_per_program(session=session, cells=cells)
    return {program: ProgramCount(program, real, simulated) for program, (real, simulated) in counted.items()}


def _metric(
    *, session: Session, selection: Selection, period: Period | None
) -> tuple[MetricView | None, str | None]:
    """The main metric overall and per period, from score histograms the database counts per day."""
    metric = main_metric(session=session, selection=selection)
    if metric is None:
        return None, "no scored responses match"
    days = selection_counts.daily_score_histograms(session=session, selection=selection, metric=metric.value)
    first, last = min(days), max(days)
    chosen = period or _period_for(last - first)
    periods: dict[date, Counter[int]] = defaultdict(Counter)
    for day, histogram in days.items():
        periods[period_start(day, chosen)].update(histogram)
    overall = sum(days.values(), Counter[int]())
    trend = [
        GroupEstimate(start.isoformat(), estimate_from_histogram(histogram, metric=metric))
        for start, histogram in sorted(periods.items())
    ]
    return MetricView(estimate_from_histogram(overall, metric=metric), chosen, trend), None


def _period_for(span: timedelta) -> Period:
    """As `measures.choose_period`: months over half a year of data, weeks over three weeks, else days."""
    if span > timedelta(days=180):
        return Period.MONTH
    return Period.WEEK if span > timedelta(days=21) else Period.DAY


def _top_themes(
    *, session: Session, selection: Selection, movement: ThemeMovement | None, enriched: int
) -> list[ThemeRow]:
    """Themes mentioned in the selection, top level first, each level most mentioned first; the
    selection's analysed responses (``enriched``) are counted once, by `freshness`."""
    listed = [t for t in list_themes(session=session, selection=selection, enriched=enriched) if t.responses]
    counted = {t.id: t for t in listed}
    moves = movement.moves if movement else {}
    return [
        ThemeRow(
            theme=t,
            subtheme=is_subtheme(t, counted),
            parent_label=counted[t.parent_id].label if t.parent_id in counted else None,
            move=moves.get(t.id),
        )
        for t in listed[:TOP_THEMES]
    ]
