"""Gathering every result a report shows, as typed results (the same models the API answers with)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, TypeVar

from pydantic import Field, PlainSerializer, ValidationError
from sqlalchemy.orm import Session

from askwhy.domain.scales import Metric
from askwhy.insights import measures
from askwhy.insights.complaints import NothingFelt, complaints
from askwhy.insights.selection import Selection
from askwhy.insights.theme_views import enriched_count, list_themes, theme_details
from askwhy.insights.weighted_measures import (
    GivenPopulation,
    WeightedReport,
    weighted_for_population,
    weighted_for_program,
)
from askwhy.report.complaint_results import ComplaintsResult
from askwhy.report.results import ChangeResult, DriversResult, MetricsResult, Result, ThemeDetailResult
from askwhy.report.weighting_results import WeightedResult
from askwhy.store.response_filters import count_responses

QUOTES_PER_THEME = 3
NO_POPULATION = (
    "raw only: nothing says who the comments should stand for; give askwhy analyze the population's "
    "segment shares (--margins) or everyone invited (--invited)"
)
T = TypeVar("T")


def _to_the_second(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class Report(Result):
    """Everything one report shows; a result it could not compute is None, and a note says why."""

    title: str
    generated_at: Annotated[datetime, PlainSerializer(_to_the_second, return_type=str, when_used="json")]
    responses: int = 0
    enriched: int = Field(default=0, description="Responses analysed (sentiment, themes).")
    notes: list[str] = Field(default_factory=list)
    metrics: MetricsResult | None = None
    themes: list[ThemeDetailResult] = Field(default_factory=list)
    drivers: DriversResult | None = None
    change: ChangeResult | None = None
    complaints: ComplaintsResult | None = Field(
        default=None, description="Sentiment as the outcome, when no response carries a score."
    )
    weighted: WeightedResult | None = Field(
        default=None,
        description="The figures raw and weighted to everyone invited, or why they are raw only.",
    )
    simulated: str = Field(default="excluded", description="Whether simulated responses were counted.")


def collect(
    *,
    session: Session,
    selection: Selection,
    title: str,
    generated_at: datetime,
    metric: Metric | None = None,
    before: date | None = None,
    after: date | None = None,
    max_themes: int = 25,
    resamples: int = 200,
    population: GivenPopulation | None = None,
    weigh_by_program: bool = True,
    near_duplicate: float,
) -> Report:
    """Metrics, themes with quotes (none repeating another at ``near_duplicate``, the embedding
    model's own level), drivers and the change, each None (with a note) when not possible,
    and the figures weighted to ``population`` (or to the program's invitations when
    ``weigh_by_program``; raw only, saying why, otherwise)."""
    notes: list[str] = []
    enriched = enriched_count(session=session, selection=selection)
    metrics = _attempt(
        notes,
        lambda: MetricsResult.of(measures.metrics(session=session, selection=selection, metric=metric)),
    )
    listed = [t for t in list_themes(session=session, selection=selection) if t.mentions]
    counted = {t.id for t in listed}
    themes = [t for t in listed if t.parent_id not in counted]  # subthemes show under their theme
    details = theme_details(
        session=session, themes=themes, selection=selection, quotes=QUOTES_PER_THEME, total=enriched,
        near_duplicate=near_duplicate,
    )  # fmt: skip
    unscored: list[str] = []
    drivers = _attempt(
        unscored,
        lambda: DriversResult.of(
            *measures.drivers(
                session=session,
                selection=selection,
                metric=metric,
                max_themes=max_themes,
                resamples=resamples,
            )
        ),
    )
    change = _attempt(
        unscored,
        lambda: ChangeResult.of(
            measures.change(
                session=session,
                selection=selection,
                metric=metric,
                before=before,
                after=after,
                max_themes=max_themes,
            )
        ),
    )

    def weighted() -> WeightedReport:
        if population is not None:
            return weighted_for_population(
                session=session, selection=selection, plan=population.plan, population=population.population,
                source=population.source, metric=metric, max_themes=max_themes,
            )  # fmt: skip
        if weigh_by_program:
            return weighted_for_program(
                session=session, selection=selection, metric=metric, max_themes=max_themes
            )
        return WeightedReport(source="", plan=None, figures=None, reason=NO_POPULATION)

    felt = None
    if metrics is None:
        # No score: sentiment is the outcome, so drivers and the change still answer "why".
        felt = _attempt(
            notes,
            lambda: ComplaintsResult.of(
                complaints(
                    session=session, selection=selection, max_themes=max_themes, before=before, after=after
                )
            ),
        )
    else:
        notes.extend(note for note in unscored if note not in notes)
    return Report(
        title=title,
        generated_at=generated_at,
        responses=count_responses(session=session, restrict=selection.apply),
        enriched=enriched,
        notes=notes,
        metrics=metrics,
        themes=[ThemeDetailResult.detail(detail) for detail in details],
        drivers=drivers,
        change=change,
        complaints=felt,
        weighted=None if metrics is None else WeightedResult.of(weighted()),
        simulated=selection.simulated,
    )


def _attempt(notes: list[str], build: Callable[[], T]) -> T | None:
    try:
        return build()
    except ValidationError:
        raise  # a fault in a result model is a bug, not a note for the reader
    except (measures.NothingToMeasure, NothingFelt, ValueError) as exc:
        notes.append(str(exc))
        return None
