"""The change between two periods weighted to who was invited in each: the metric of each period's
responders weighted to that period's invitations (as the program's YAML says), and their difference
with its interval, beside the raw change the themes explain."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from askwhy.analysis.weighted_change import WeightedChange, weighted_change
from askwhy.insights.change_quotes import period_sides
from askwhy.insights.measures import ChangeReport
from askwhy.insights.selection import Selection
from askwhy.insights.weighted_measures import WeightedReport, weighted_for_program


@dataclass(frozen=True)
class WeightedChangeReport:
    """Each period's weighted figures and the weighted change, or the reason it is raw only."""

    before: WeightedReport
    after: WeightedReport
    change: WeightedChange | None
    reason: str | None = None


def weighted_change_for_program(
    *, session: Session, selection: Selection, report: ChangeReport, max_themes: int = 25
) -> WeightedChangeReport:
    """The change ``report`` measured, weighted period by period (raw only, saying why, when either
    period cannot be weighted)."""
    earlier, later = (
        weighted_for_program(
            session=session, selection=side, metric=report.explanation.metric, max_themes=max_themes
        )
        for side in period_sides(selection, period=report.period, before=report.before, after=report.after)
    )
    if earlier.figures is None or later.figures is None:
        side, missing = (report.before, earlier) if earlier.figures is None else (report.after, later)
        reason = (missing.reason or "raw only: nothing to weight").removeprefix("raw only: ")
        return WeightedChangeReport(
            earlier, later, None, f"raw only: the {report.period.value} of {side}: {reason}"
        )
    return WeightedChangeReport(earlier, later, weighted_change(earlier.figures.metric, later.figures.metric))
