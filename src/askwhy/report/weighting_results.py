"""Weighted figures beside the raw ones, as the API, summary.json and the report page give them."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field

from askwhy.analysis.weighted_figures import WeightedImpact
from askwhy.analysis.weighted_metrics import WeightedEstimate, WeightedShare
from askwhy.analysis.weighting import Weights
from askwhy.insights.weighted_changes import WeightedChangeReport
from askwhy.insights.weighted_measures import WeightedReport
from askwhy.report.results import Result, rounded

EXPLANATION = (
    "Weighted: the responders re-weighted to stand for everyone invited, by {attributes}; "
    "it corrects only for who answered within those segments."
)
RAW_ONLY = "Raw only: {reason}."
CHANGE_EXPLANATION = (
    "Weighted: each period's responders re-weighted to stand for everyone invited in that period, by "
    "{attributes}; the change is the difference of the two weighted figures."
)


class WeightedFigureResult(Result):
    """One figure raw and weighted, each with its interval."""

    raw: float
    raw_low: float | None
    raw_high: float | None
    weighted: float
    low: float | None = Field(description="Lower end of the weighted figure's interval.")
    high: float | None = Field(description="Upper end of the weighted figure's interval.")
    shift: float = Field(description="Weighted minus raw.")

    @classmethod
    def estimate(cls, value: WeightedEstimate, **extra: Any) -> Self:
        return cls(
            raw=round(value.raw.value, 2),
            raw_low=rounded(value.raw.low, 2),
            raw_high=rounded(value.raw.high, 2),
            weighted=round(value.value, 2),
            low=rounded(value.low, 2),
            high=rounded(value.high, 2),
            shift=round(value.shift, 2),
            **extra,
        )

    @classmethod
    def share(cls, value: WeightedShare, **extra: Any) -> Self:
        return cls(
            raw=round(value.raw, 2),
            raw_low=round(value.raw_low, 2),
            raw_high=round(value.raw_high, 2),
            weighted=round(value.value, 2),
            low=round(value.low, 2),
            high=round(value.high, 2),
            shift=round(value.value - value.raw, 2),
            **extra,
        )


class WeightedMetricResult(WeightedFigureResult):
    metric: str
    label: str = Field(description="How the metric is named to a reader, e.g. NPS.")


class WeightedThemeResult(WeightedFigureResult):
    theme: str = Field(
        description="The theme's display label; the figures are % of responders mentioning it."
    )


class WeightedImpactResult(Result):
    theme: str
    raw: float | None = Field(description="Points of the metric the theme moves it by, raw.")
    weighted: float | None = Field(description="The same with the weights.")
    low: float | None = Field(default=None, description="Lower end of the weighted impact's interval.")
    high: float | None = Field(default=None, description="Upper end of the weighted impact's interval.")

    @classmethod
    def of(cls, impact: WeightedImpact) -> Self:
        return cls(
            theme=impact.theme,
            raw=rounded(impact.raw, 2),
            weighted=rounded(impact.weighted, 2),
            low=rounded(impact.low, 2),
            high=rounded(impact.high, 2),
        )


class ThinSegmentResult(Result):
    segment: str = Field(description="e.g. plan=basic, region=eu.")
    responders: int
    population_share: float = Field(description="Its share of the invited, 0..1.")


class WeightedResult(Result):
    """The figures raw and weighted, or raw only with the reason."""

    status: str = Field(description="weighted, or raw only when nothing could be weighted.")
    explanation: str = Field(
        description="One line saying what the weighted figures are, or why there are none."
    )
    reason: str | None = Field(default=None, description="Why the figures are raw only.")
    source: str = Field(description="Who the responders are weighted to stand for.")
    method: str | None = Field(
        default=None, description="post-stratification, raking or response propensity."
    )
    attributes: list[str] = Field(default_factory=list, description="The only attributes corrected for.")
    n: int | None = Field(default=None, description="Responders weighted.")
    effective_n: float | None = Field(default=None, description="Kish's effective sample size.")
    design_effect: float | None = Field(
        default=None, description="n / effective n: the precision weighting costs."
    )
    trimmed: int = Field(default=0, description="Weights capped at the program's multiple of the mean.")
    left_out: int = Field(
        default=0, description="Scored responses with no invitation behind them (not weighted)."
    )
    not_weighted: list[ThinSegmentResult] = Field(
        default_factory=list, description="Segments with too few responders, kept at their raw share."
    )
    warnings: list[str] = Field(default_factory=list)
    metric: WeightedMetricResult | None = None
    negative_share: WeightedFigureResult | None = Field(
        default=None, description="% of responses whose sentiment is negative (None: not all analysed)."
    )
    themes: list[WeightedThemeResult] = Field(default_factory=list)
    impacts: list[WeightedImpactResult] = Field(default_factory=list)

    @classmethod
    def of(cls, report: WeightedReport, **extra: Any) -> Self:
        figures = report.figures
        if figures is None:
            reason = report.reason or "nothing to weight"
            return cls(
                status="raw only",
                explanation=RAW_ONLY.format(reason=reason.removeprefix("raw only: ")),
                reason=reason,
                source=report.source,
                left_out=report.left_out,
                **extra,
            )
        weights, metric = figures.weights, figures.metric
        return cls(
            status="weighted",
            explanation=EXPLANATION.format(attributes=", ".join(weights.attributes) or "nothing"),
            source=report.source,
            method=weights.method,
            attributes=list(weights.attributes),
            n=weights.n,
            effective_n=round(weights.effective_n, 1),
            design_effect=round(weights.design_effect, 3),
            trimmed=weights.trimmed,
            left_out=report.left_out,
            not_weighted=_thin(weights),
            warnings=list(weights.warnings),
            metric=WeightedMetricResult.estimate(
                metric, metric=metric.raw.metric.value, label=metric.raw.label
            ),
            negative_share=None if figures.negative is None else WeightedFigureResult.share(figures.negative),
            themes=[WeightedThemeResult.share(share, theme=theme) for theme, share in figures.themes],
            impacts=[WeightedImpactResult.of(impact) for impact in figures.impacts],
            **extra,
        )


def _thin(weights: Weights) -> list[ThinSegmentResult]:
    return [
        ThinSegmentResult(
            segment=c.cell, responders=c.responders, population_share=round(c.population_share, 4)
        )
        for c in weights.unweighted
    ]


WEIGHTED_COLUMNS = ("figure", "raw", "raw_low", "raw_high", "weighted", "low", "high", "shift")


def weighted_rows(result: WeightedResult | None) -> list[dict[str, object]]:
    """weighted.csv: each figure raw and weighted (the metric, negative share, theme shares), then each
    theme's impact raw and weighted; no rows when nothing was weighted."""
    if result is None or result.metric is None:
        return []
    rows: list[dict[str, object]] = [{"figure": result.metric.label, **result.metric.model_dump(mode="json")}]
    if result.negative_share is not None:
        rows.append({"figure": "negative share (%)", **result.negative_share.model_dump(mode="json")})
    rows += [{"figure": f"mentions {t.theme} (%)", **t.model_dump(mode="json")} for t in result.themes]
    label = f"{result.metric.label} impact"
    rows += [
        {"figure": f"{label}: {i.theme}", "raw": i.raw, "weighted": i.weighted, "low": i.low, "high": i.high}
        for i in result.impacts
    ]
    return rows


class WeightedChangeResult(Result):
    """The change between the two periods raw and weighted, each period weighted to its own invitations."""

    status: str = Field(description="weighted, or raw only when either period could not be weighted.")
    explanation: str
    reason: str | None = Field(default=None, description="Why the change is raw only.")
    raw: float | None = Field(default=None, description="The raw change, after minus before.")
    weighted: float | None = Field(default=None, description="The weighted change, after minus before.")
    low: float | None = Field(default=None, description="Lower end of the weighted change's interval.")
    high: float | None = Field(default=None, description="Upper end of the weighted change's interval.")
    significant: bool = Field(default=False, description="The weighted interval leaves out zero.")
    before: WeightedResult = Field(description="The earlier period's figures, raw and weighted.")
    after: WeightedResult = Field(description="The later period's figures, raw and weighted.")

    @classmethod
    def of(cls, report: WeightedChangeReport) -> Self:
        before, after, change = (
            WeightedResult.of(report.before),
            WeightedResult.of(report.after),
            report.change,
        )
        if change is None:
            reason = report.reason or "raw only: nothing to weight"
            explanation = RAW_ONLY.format(reason=reason.removeprefix("raw only: "))
            return cls(status="raw only", explanation=explanation, reason=reason, before=before, after=after)
        return cls(
            status="weighted",
            explanation=CHANGE_EXPLANATION.format(attributes=", ".join(after.attributes) or "nothing"),
            raw=round(change.raw, 2),
            weighted=round(change.value, 2),
            low=rounded(change.low, 2),
            high=rounded(change.high, 2),
            significant=change.significant,
            before=before,
            after=after,
        )
