"""Metrics, drivers and changes from the store, per period, program, channel and segment, always with n."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from askwhy.analysis.change import ChangeExplanation, explain_change
from askwhy.analysis.drivers import DriverReport, analyse_drivers
from askwhy.analysis.narrative import describe_change
from askwhy.domain.conversation import ConversationStatus
from askwhy.domain.funnel import ConversationProgress, Funnel, funnel
from askwhy.domain.grouping import (
    GroupEstimate,
    Period,
    by_channel,
    by_period,
    by_program,
    by_segment,
    period_start,
)
from askwhy.domain.metrics import MetricEstimate, estimate
from askwhy.domain.scales import Metric
from askwhy.insights import selection_counts
from askwhy.insights.change_quotes import period_sides
from askwhy.insights.scored import (
    Scored,
    has_themes,
    main_metric,
    scored_responses,
    theme_names,
    themed_patterns,
)
from askwhy.insights.selection import Selection, start_of
from askwhy.store import scores
from askwhy.store.scores import conversation_progress


class NothingToMeasure(LookupError):
    """No scored response matches the question."""


class NoThemes(NothingToMeasure):
    """No theme to weigh: none discovered yet, or none mentioned by the responses selected."""


NO_THEMES_YET = "no themes yet: run askwhy themes discover"
NO_THEME_MENTIONED = "no theme is mentioned by the responses selected"


class SamePeriod(ValueError):
    """The two days asked to compare fall in the same period: there is no change to explain."""


@dataclass(frozen=True)
class MetricsReport:
    metric: Metric
    period: Period
    overall: MetricEstimate
    trend: list[GroupEstimate]
    by_program: list[GroupEstimate]
    by_channel: list[GroupEstimate]
    by_segment: dict[str, list[GroupEstimate]]
    funnel: Funnel


@dataclass(frozen=True)
class ChangeReport:
    period: Period
    before: date
    after: date
    explanation: ChangeExplanation
    narrative: str
    theme_ids: dict[str, str] = field(default_factory=dict)
    """Display label → theme id, to link every effect to its quotes."""


def load(*, session: Session, selection: Selection, metric: Metric | None, segments: bool = True) -> Scored:
    """The scored responses to measure, on the given metric or the one most responses use (with
    their segment values unless ``segments`` is False)."""
    chosen = metric or main_metric(session=session, selection=selection)
    if chosen is None:
        raise NothingToMeasure("no scored responses match")
    scored = scored_responses(session=session, selection=selection, metric=chosen, segments=segments)
    if not scored.responses:
        raise NothingToMeasure(f"no {chosen.value} responses match")
    return scored


def choose_period(scored: Scored) -> Period:
    """Months over half a year of data, weeks over three weeks, else days."""
    return period_for_span(scored.responses[-1].responded_at - scored.responses[0].responded_at)


def metrics(
    *, session: Session, selection: Selection, metric: Metric | None = None, period: Period | None = None
) -> MetricsReport:
    """The metric overall and broken down by period, program, channel and every segment attribute."""
    scored = load(session=session, selection=selection, metric=metric)
    chosen_period = period or choose_period(scored)
    responses, m = scored.responses, scored.metric
    keys = sorted({key for r in responses for key in r.segment})
    return MetricsReport(
        metric=m,
        period=chosen_period,
        overall=estimate([r.score for r in responses], metric=m),
        trend=by_period(responses, metric=m, period=chosen_period),
        by_program=by_program(responses, metric=m),
        by_channel=by_channel(responses, metric=m),
        by_segment={key: by_segment(responses, metric=m, segment=key) for key in keys},
        funnel=conversation_funnel(session=session, selection=selection),
    )


def conversation_funnel(*, session: Session, selection: Selection) -> Funnel:
    """Invited → started → completed over the conversations of the selection (imports have none)."""
    rows = conversation_progress(
        session=session,
        program=selection.program,
        channel=selection.channel,
        started_from=start_of(selection.since) if selection.since else None,
        started_before=start_of(selection.until) if selection.until else None,
        include_simulated=selection.include_simulated,
    )
    return funnel(
        ConversationProgress(
            status=ConversationStatus(row.status), invited_at=row.invited_at, started_at=row.first_reply_at
        )
        for row in rows
    )


def drivers(
    *,
    session: Session,
    selection: Selection,
    metric: Metric | None = None,
    max_themes: int = 25,
    resamples: int = 200,
    feelings: bool = True,
) -> tuple[DriverReport, dict[str, str]]:
    """How much each theme moves the metric, and display label → theme id.

    Read as counts per (score, themes mentioned) pattern, not response by response: the same
    figure. Without ``feelings`` each driver's mean sentiment is left out (None), which spares
    reading the sentences of every mention."""
    chosen = metric or main_metric(session=session, selection=selection)
    if chosen is None:
        raise NothingToMeasure("no scored responses match")
    names = theme_names(session=session, max_themes=max_themes, selection=selection)
    data = themed_patterns(
        session=session, selection=selection, metric=chosen, names=names, feelings=feelings and bool(names)
    )
    if data.n == 0:
        raise NothingToMeasure(f"no {chosen.value} responses match")
    if data.n < 3:
        raise NothingToMeasure("drivers need at least three scored responses")
    if not names:
        raise _no_themes(session)
    report = analyse_drivers(data, metric=chosen, resamples=resamples)
    return report, {label: theme_id for theme_id, label in names.items()}


def change(
    *,
    session: Session,
    selection: Selection,
    metric: Metric | None = None,
    period: Period | None = None,
    before: date | None = None,
    after: date | None = None,
    max_themes: int = 25,
) -> ChangeReport:
    """Explain the change between the periods holding ``before`` and ``after`` (default: the last two).

    Only the two periods are read, each as counts per (score, themes mentioned) pattern: the
    periods themselves are found from the first and last scored response and the days that have
    any (`selection_counts`)."""
    chosen_metric = metric or main_metric(session=session, selection=selection)
    if chosen_metric is None:
        raise NothingToMeasure("no scored responses match")
    span = scores.scored_span(session=session, restrict=selection.apply, metric=chosen_metric.value)
    if span is None:
        raise NothingToMeasure(f"no {chosen_metric.value} responses match")
    chosen = period or period_for_span(span[1] - span[0])
    if before is None or after is None:
        days = selection_counts.daily_score_histograms(
            session=session, selection=selection, metric=chosen_metric.value
        )
        starts = sorted({period_start(day, chosen) for day in days})
        if len(starts) < 2:
            raise NothingToMeasure("a change needs responses in two periods")
        old, new = starts[-2], starts[-1]
    else:
        old, new = period_start(before, chosen), period_start(after, chosen)
        if old == new:
            raise SamePeriod(
                f"{before} and {after} are in the same {chosen.value} ({old}); "
                f"choose days in two different {chosen.value}s or a shorter period"
            )
    names = theme_names(session=session, max_themes=max_themes, selection=selection)
    sides = period_sides(selection, period=chosen, before=old, after=new)
    counted_old, counted_new = (
        themed_patterns(session=session, selection=side, metric=chosen_metric, names=names, feelings=False)
        for side in sides
    )
    if counted_old.n == 0 or counted_new.n == 0:
        missing = old if counted_old.n == 0 else new
        raise NothingToMeasure(f"no {chosen_metric.value} responses in the {chosen.value} of {missing}")
    if not names:
        raise _no_themes(session)
    explanation = explain_change(counted_old, counted_new, metric=chosen_metric)
    labels = {label: theme_id for theme_id, label in names.items()}
    return ChangeReport(chosen, old, new, explanation, describe_change(explanation), labels)


def period_for_span(span: timedelta) -> Period:
    """Months over half a year of data, weeks over three weeks, else days (as `choose_period`)."""
    if span > timedelta(days=180):
        return Period.MONTH
    return Period.WEEK if span > timedelta(days=21) else Period.DAY


def _no_themes(session: Session) -> NoThemes:
    """Why there is no theme to weigh: none mentioned by the selection, or none discovered yet."""
    return NoThemes(NO_THEME_MENTIONED if has_themes(session=session) else NO_THEMES_YET)
