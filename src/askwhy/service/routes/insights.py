"""Insights API: metrics, themes with quotes, drivers and changes, filtered by program, channel, segment."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, cast

from fastapi import APIRouter, Depends, HTTPException, Query, params, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session

from askwhy.domain.grouping import Period
from askwhy.domain.scales import Metric
from askwhy.insights import measures
from askwhy.insights.codebook import ThemeNotFound
from askwhy.insights.selection import Selection
from askwhy.insights.theme_views import list_themes, show_theme
from askwhy.insights.weighted_changes import weighted_change_for_program
from askwhy.insights.weighted_measures import weighted_for_program
from askwhy.report.results import ThemeResult
from askwhy.report.weighting_results import WeightedChangeResult, WeightedResult
from askwhy.service.auth import READ
from askwhy.service.dependencies import ContainerDep, SessionsDep
from askwhy.service.insight_schemas import (
    ChangeOut,
    DriversOut,
    MetricsOut,
    NoChangeOut,
    NoDriversOut,
    ThemeOut,
    ThemesOut,
    WeightedChangeOut,
    WeightedOut,
    Weighting,
)
from askwhy.service.key_programs import ReadProgram

SEGMENT_NAME = re.compile(r"[\w .-]{1,64}")
"""A segment's name as imports and events give them (e.g. "Division Name"); it is a JSON key in SQL."""
router = APIRouter(prefix="/v1", tags=["insights"], dependencies=[cast(params.Depends, READ)])
"""Every insight needs an API key with the ``read`` scope: the answers quote customers."""


def _selection(  # noqa: PLR0917 (FastAPI maps query parameters)
    program: ReadProgram,
    channel: Annotated[str | None, Query(max_length=20, description="Only this channel.")] = None,
    since: Annotated[date | None, Query(description="Responses on or after this day (ISO date).")] = None,
    until: Annotated[date | None, Query(description="Responses before this day (ISO date).")] = None,
    segment: Annotated[
        list[str] | None,
        Query(description="NAME:VALUE, e.g. region:north; repeatable."),
    ] = None,
    include_simulated: Annotated[
        bool, Query(description="Count simulated responses (demo data, askwhy simulate) too.")
    ] = False,
) -> Selection:
    if since and until and since >= until:
        raise _invalid("until", "until must be after since")
    if any(":" not in item or item.startswith(":") for item in segment or []):
        raise _invalid("segment", "write a segment as NAME:VALUE, e.g. region:north")
    pairs = dict(item.split(":", 1) for item in segment or [])
    if any(not SEGMENT_NAME.fullmatch(name) for name in pairs):
        raise _invalid("segment", "a segment name has letters, digits, spaces, '_', '-' or '.', at most 64")
    return Selection(
        program=program,
        channel=channel,
        since=since,
        until=until,
        segment=pairs,
        include_simulated=include_simulated,
    )


SelectionDep = Annotated[Selection, Depends(_selection)]
MetricQuery = Annotated[Metric | None, Query(description="nps, csat or ces (default: the most used).")]
WeightingQuery = Annotated[
    Weighting | None,
    Query(
        description="raw: the raw figures only; weighted: only the figures weighted to everyone invited "
        "(with their raw twins); both when not given. The program's YAML names the segments."
    ),
]
PeriodQuery = Annotated[
    Period | None, Query(description="day, week or month (default: from the data's span).")
]


@router.get("/metrics")
def get_metrics(  # noqa: PLR0917 (FastAPI maps query parameters)
    sessions: SessionsDep,
    selection: SelectionDep,
    container: ContainerDep,
    metric: MetricQuery = None,
    period: PeriodQuery = None,
    weighting: WeightingQuery = None,
) -> MetricsOut | WeightedOut:
    """The metric with its interval and n, per period, program, channel and segment, and the funnel;
    raw and weighted to everyone invited (``weighting`` asks for one of them)."""
    try:
        with sessions() as session:
            report = measures.metrics(
                session=session, selection=selection, metric=_scored(metric), period=period
            )
            weighted = _weighted(session, selection, metric, weighting, container.settings.driver_max_themes)
    except measures.NothingToMeasure as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    if weighting is Weighting.WEIGHTED and weighted is not None:
        return WeightedOut(weighted=weighted, simulated=selection.simulated)
    return MetricsOut.of(report, simulated=selection.simulated, weighted=weighted)


@router.get("/themes")
def get_themes(
    sessions: SessionsDep, selection: SelectionDep, container: ContainerDep, weighting: WeightingQuery = None
) -> ThemesOut | WeightedOut:
    """The codebook with each theme's volume and sentiment in the selection; the theme shares of the
    scored responders raw and weighted (``weighting`` asks for one of them)."""
    with sessions() as session:
        listed = list_themes(session=session, selection=selection)
        weighted = _weighted(session, selection, None, weighting, container.settings.driver_max_themes)
    if weighting is Weighting.WEIGHTED and weighted is not None:
        return WeightedOut(weighted=weighted, simulated=selection.simulated)
    return ThemesOut(
        themes=[ThemeResult.of(t) for t in listed], simulated=selection.simulated, weighted=weighted
    )


@router.get("/themes/{theme_id}")
def get_theme(  # noqa: PLR0917 (FastAPI maps query parameters)
    theme_id: str,
    sessions: SessionsDep,
    selection: SelectionDep,
    container: ContainerDep,
    quotes: Annotated[int, Query(ge=0, le=100, description="How many quotes.")] = 10,
    weighting: WeightingQuery = None,
) -> ThemeOut | WeightedOut:
    """One theme with its quotes (redacted) and its children; its share of the scored responders and
    its impact raw and weighted (``weighting`` asks for one of them)."""
    themes = container.settings.driver_max_themes
    try:
        with sessions() as session:
            detail = show_theme(
                session=session, theme_id=theme_id, selection=selection, quotes=quotes,
                near_duplicate=container.near_duplicate,
            )  # fmt: skip
            theme = (theme_id, detail.theme.label)
            weighted = _weighted(session, selection, None, weighting, themes, theme=theme)
    except ThemeNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "theme not found") from None
    if weighting is Weighting.WEIGHTED and weighted is not None:
        return WeightedOut(weighted=weighted, simulated=selection.simulated)
    return ThemeOut.detail(detail, simulated=selection.simulated, weighted=weighted)


@router.get("/drivers")
def get_drivers(
    sessions: SessionsDep,
    selection: SelectionDep,
    container: ContainerDep,
    metric: MetricQuery = None,
    weighting: WeightingQuery = None,
) -> DriversOut | NoDriversOut | WeightedOut:
    """How much each theme moves the metric, with relative weights and their intervals; each theme's
    impact raw and weighted (``weighting`` asks for one of them)."""
    settings = container.settings
    try:
        with sessions() as session:
            weighted = _weighted(session, selection, metric, weighting, settings.driver_max_themes)
            if weighting is Weighting.WEIGHTED and weighted is not None:
                return WeightedOut(weighted=weighted, simulated=selection.simulated)
            report, ids = measures.drivers(
                session=session,
                selection=selection,
                metric=_scored(metric),
                max_themes=settings.driver_max_themes,
                resamples=settings.driver_resamples,
            )
    except measures.NoThemes as exc:
        return NoDriversOut(drivers=[], reason=str(exc), simulated=selection.simulated)
    except measures.NothingToMeasure as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return DriversOut.of(report, ids, simulated=selection.simulated, weighted=weighted)


@router.get("/changes")
def get_changes(  # noqa: PLR0917 (FastAPI maps query parameters)
    sessions: SessionsDep,
    selection: SelectionDep,
    container: ContainerDep,
    metric: MetricQuery = None,
    period: PeriodQuery = None,
    from_: Annotated[date | None, Query(alias="from", description="A day in the earlier period.")] = None,
    to: Annotated[date | None, Query(description="A day in the later period.")] = None,
    weighting: WeightingQuery = None,
) -> ChangeOut | NoChangeOut | WeightedChangeOut:
    """The change between two periods (default: the last two) split into the themes behind it; the
    change raw and weighted, each period to its own invitations (``weighting`` asks for one)."""
    if (from_ is None) != (to is None):
        raise _invalid("to" if to is None else "from", "give both from and to, or neither")
    if from_ and to and from_ >= to:
        raise _invalid("to", "to must be after from")
    try:
        with sessions() as session:
            report = measures.change(
                session=session,
                selection=selection,
                metric=_scored(metric),
                period=period,
                before=from_,
                after=to,
                max_themes=container.settings.driver_max_themes,
            )
            weighted = None
            if weighting is not Weighting.RAW:
                found = weighted_change_for_program(
                    session=session,
                    selection=selection,
                    report=report,
                    max_themes=container.settings.driver_max_themes,
                )
                weighted = WeightedChangeResult.of(found)
    except measures.NoThemes as exc:
        return NoChangeOut(effects=[], reason=str(exc), simulated=selection.simulated)
    except measures.NothingToMeasure as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except measures.SamePeriod as exc:
        raise _invalid("to", str(exc)) from None
    if weighting is Weighting.WEIGHTED and weighted is not None:
        return WeightedChangeOut(weighted=weighted, simulated=selection.simulated)
    return ChangeOut.of(report, simulated=selection.simulated, weighted=weighted)


def _weighted(
    session: Session,
    selection: Selection,
    metric: Metric | None,
    weighting: Weighting | None,
    themes: int,
    *,
    theme: tuple[str, str] | None = None,
) -> WeightedResult | None:
    """The weighted figures unless only the raw ones were asked for (``theme``: that theme's only)."""
    if weighting is Weighting.RAW:
        return None
    found = weighted_for_program(
        session=session, selection=selection, metric=_scored(metric), max_themes=themes, theme=theme
    )
    return WeightedResult.of(found)


def _scored(metric: Metric | None) -> Metric | None:
    if metric is Metric.NONE:
        raise _invalid("metric", "choose nps, csat or ces")
    return metric


def _invalid(field: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", field), "msg": message, "type": "value_error"}])
