"""The insights as their JSON form, rounded as people read them: one typed model per result.

The report writes them to summary.json and its CSV files and renders its page from them; the API
answers with the same models plus what it says about the request (see `askwhy.service.insight_schemas`).
Each is built from the use case's dataclass by ``of``; ``extra`` fills the fields a subclass adds.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from askwhy.analysis.change import ThemeEffect
from askwhy.analysis.drivers import Driver, DriverReport
from askwhy.domain.funnel import Funnel
from askwhy.domain.grouping import GroupEstimate
from askwhy.domain.metrics import MetricEstimate
from askwhy.insights.measures import ChangeReport, MetricsReport
from askwhy.insights.theme_views import Quote, ThemeDetail, ThemeSummary

IsoDateTime = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")]
"""A moment as Python's ISO 8601 (``+00:00``, not ``Z``), as the answers have always given it."""


def rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


class Result(BaseModel):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)


class EstimateResult(Result):
    metric: str = Field(description="nps, csat or ces.")
    label: str = Field(description="How the metric is named to a reader, e.g. NPS or CSAT (% satisfied).")
    value: float
    low: float | None = Field(description="Lower end of the confidence interval (None without one).")
    high: float | None = Field(description="Upper end of the confidence interval (None without one).")
    n: int = Field(description="Responses behind the value.")
    confidence: float
    method: str = Field(description="How the interval was computed.")

    @classmethod
    def of(cls, value: MetricEstimate, **extra: Any) -> Self:
        return cls(
            metric=value.metric.value,
            label=value.label,
            value=round(value.value, 2),
            low=rounded(value.low, 2),
            high=rounded(value.high, 2),
            n=value.n,
            confidence=value.confidence,
            method=value.method,
            **extra,
        )

    @classmethod
    def maybe(cls, value: MetricEstimate | None) -> Self | None:
        return None if value is None else cls.of(value)


class GroupResult(EstimateResult):
    key: str = Field(description="The period's first day, the program, the channel or the segment value.")

    @classmethod
    def group(cls, value: GroupEstimate) -> Self:
        return cls.of(value.estimate, key=value.key)


class FunnelResult(Result):
    invited: int
    started: int
    completed: int
    start_rate: float | None
    completion_rate: float | None
    response_rate: float | None

    @classmethod
    def of(cls, value: Funnel) -> Self:
        return cls(
            invited=value.invited,
            started=value.started,
            completed=value.completed,
            start_rate=value.start_rate,
            completion_rate=value.completion_rate,
            response_rate=value.response_rate,
        )


class MetricsResult(Result):
    metric: str
    period: str = Field(description="day, week or month: the trend's step.")
    overall: EstimateResult
    trend: list[GroupResult]
    by_program: list[GroupResult]
    by_channel: list[GroupResult]
    by_segment: dict[str, list[GroupResult]] = Field(description="Segment name → one estimate per value.")
    funnel: FunnelResult

    @classmethod
    def of(cls, report: MetricsReport, **extra: Any) -> Self:
        def groups(values: list[GroupEstimate]) -> list[GroupResult]:
            return [GroupResult.group(g) for g in values]

        return cls(
            metric=report.metric.value,
            period=report.period.value,
            overall=EstimateResult.of(report.overall),
            trend=groups(report.trend),
            by_program=groups(report.by_program),
            by_channel=groups(report.by_channel),
            by_segment={key: groups(values) for key, values in report.by_segment.items()},
            funnel=FunnelResult.of(report.funnel),
            **extra,
        )


class ThemeResult(Result):
    id: str
    label: str
    description: str
    status: str
    parent_id: str | None
    merged_into_id: str | None
    keywords: list[str]
    mentions: int = Field(description="Sentences that speak of the theme.")
    responses: int = Field(description="Responses that mention it.")
    share: float | None = Field(description="Responses mentioning it / analysed responses (None: none).")
    sentiment: float | None = Field(description="Mean sentiment (−1..1) of its sentences.")
    positive: int
    negative: int
    created_at: IsoDateTime
    updated_at: IsoDateTime

    @classmethod
    def of(cls, summary: ThemeSummary, **extra: Any) -> Self:
        return cls(**{**asdict(summary), "share": rounded(summary.share, 4)}, **extra)


class QuoteResult(Result):
    sentence_id: int
    response_id: str
    text: str = Field(description="The customer's sentence, redacted of personal data.")
    sentiment: str
    sentiment_score: float
    similarity: float = Field(description="How close the sentence is to the theme.")
    responded_at: IsoDateTime

    @classmethod
    def of(cls, quote: Quote) -> Self:
        return cls(**asdict(quote))


class ThemeDetailResult(ThemeResult):
    quotes: list[QuoteResult]
    children: list[ThemeResult]

    @classmethod
    def detail(cls, detail: ThemeDetail, **extra: Any) -> Self:
        return cls.of(
            detail.theme,
            quotes=[QuoteResult.of(q) for q in detail.quotes],
            children=[ThemeResult.of(c) for c in detail.children],
            **extra,
        )


class DriverResult(Result):
    theme_id: str | None
    theme: str = Field(description="The theme's display label.")
    mentions: int
    share: float = Field(description="Share of the responses that mention the theme.")
    mean_sentiment: float | None
    with_theme: EstimateResult | None
    without_theme: EstimateResult | None
    impact: float | None = Field(description="Points of the metric the theme moves it by.")
    weight: float = Field(description="Relative weight: its share of the explained variance.")
    weight_low: float
    weight_high: float
    significant: bool

    @classmethod
    def of(cls, driver: Driver, *, theme_id: str | None) -> Self:
        return cls(
            theme_id=theme_id,
            theme=driver.theme,
            mentions=driver.mentions,
            share=round(driver.share, 4),
            mean_sentiment=rounded(driver.mean_sentiment, 3),
            with_theme=EstimateResult.maybe(driver.with_theme),
            without_theme=EstimateResult.maybe(driver.without_theme),
            impact=rounded(driver.impact, 2),
            weight=round(driver.weight, 4),
            weight_low=round(driver.weight_low, 4),
            weight_high=round(driver.weight_high, 4),
            significant=driver.significant,
        )


class DriversResult(Result):
    metric: str
    overall: EstimateResult
    impact_label: str
    r_squared: float = Field(description="Share of the score's variance the theme indicators explain.")
    r_squared_low: float
    r_squared_high: float
    resamples: int
    drivers: list[DriverResult]

    @classmethod
    def of(cls, report: DriverReport, theme_ids: dict[str, str], **extra: Any) -> Self:
        return cls(
            metric=report.metric.value,
            overall=EstimateResult.of(report.overall),
            impact_label=report.impact_label,
            r_squared=round(report.r_squared, 4),
            r_squared_low=round(report.r_squared_low, 4),
            r_squared_high=round(report.r_squared_high, 4),
            resamples=report.resamples,
            drivers=[DriverResult.of(d, theme_id=theme_ids.get(d.theme)) for d in report.drivers],
            **extra,
        )


class EffectResult(Result):
    theme_id: str | None
    theme: str
    volume_effect: float = Field(description="Points of the change from more or fewer mentions.")
    severity_effect: float = Field(description="Points of the change from how much a mention costs.")
    total: float
    share_before: float
    share_after: float

    @classmethod
    def of(cls, effect: ThemeEffect, *, theme_id: str | None) -> Self:
        return cls(
            theme_id=theme_id,
            theme=effect.theme,
            volume_effect=round(effect.volume_effect, 2),
            severity_effect=round(effect.severity_effect, 2),
            total=round(effect.total, 2),
            share_before=round(effect.share_before, 4),
            share_after=round(effect.share_after, 4),
        )


class ChangeResult(Result):
    metric: str
    label: str
    period: str
    from_: date = Field(alias="from", description="First day of the earlier period.")
    to: date = Field(description="First day of the later period.")
    before: EstimateResult
    after: EstimateResult
    delta: float
    low: float | None
    high: float | None
    p_value: float | None
    significant: bool
    method: str
    baseline: float = Field(description="Points of the change no theme accounts for.")
    effects: list[EffectResult]
    narrative: str

    @classmethod
    def of(cls, report: ChangeReport, **extra: Any) -> Self:
        explanation, moved = report.explanation, report.explanation.change
        return cls(
            metric=explanation.metric.value,
            label=explanation.label,
            period=report.period.value,
            from_=report.before,
            to=report.after,
            before=EstimateResult.of(moved.before),
            after=EstimateResult.of(moved.after),
            delta=round(moved.delta, 2),
            low=rounded(moved.low, 2),
            high=rounded(moved.high, 2),
            p_value=moved.p_value,
            significant=moved.significant,
            method=moved.method,
            baseline=round(explanation.baseline, 2),
            effects=[EffectResult.of(e, theme_id=report.theme_ids.get(e.theme)) for e in explanation.effects],
            narrative=report.narrative,
            **extra,
        )
