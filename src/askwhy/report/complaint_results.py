"""Complaints (sentiment as the outcome, when responses carry no score) in their JSON form."""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import Field

from askwhy.insights.complaints import ComplaintChange, Complaints, NegativeShare, ThemeDriver
from askwhy.report.results import Result, rounded


class ShareResult(Result):
    n: int
    negative_share: float = Field(description="Percentage of the responses that are negative.")
    mean_sentiment: float = Field(description="Mean sentiment, −1..1.")

    @classmethod
    def of(cls, share: NegativeShare) -> Self:
        return cls(
            n=share.n,
            negative_share=round(share.negative_share, 2),
            mean_sentiment=round(share.mean_sentiment, 4),
        )


class PeriodShareResult(ShareResult):
    period: date = Field(description="The period's first day.")


class SegmentShareResult(ShareResult):
    value: str = Field(description="The segment's value.")


class ComplaintDriverResult(Result):
    theme: str
    theme_id: str
    mentions: int
    share: float
    negative_with: float = Field(description="Percentage negative among responses mentioning the theme.")
    negative_without: float | None
    impact: float | None = Field(description="Points of the overall negative share the theme accounts for.")
    mean_sentiment: float
    p_value: float
    significant: bool

    @classmethod
    def of(cls, value: ThemeDriver) -> Self:
        d = value.driver
        return cls(
            theme=d.theme,
            theme_id=value.theme_id,
            mentions=d.mentions,
            share=round(d.share, 4),
            negative_with=round(d.negative_with, 2),
            negative_without=rounded(d.negative_without, 2),
            impact=rounded(d.impact, 2),
            mean_sentiment=round(d.mean_sentiment, 4),
            p_value=d.p_value,
            significant=d.significant,
        )


class PeriodNegativeResult(Result):
    n: int
    negative_share: float


class ComplaintEffectResult(Result):
    theme: str
    theme_id: str | None
    effect: float
    share_before: float
    share_after: float


class ComplaintChangeResult(Result):
    from_: date = Field(alias="from")
    to: date
    period: str
    before: PeriodNegativeResult
    after: PeriodNegativeResult
    delta: float
    p_value: float
    significant: bool
    baseline: float
    effects: list[ComplaintEffectResult]

    @classmethod
    def of(cls, value: ComplaintChange) -> Self:
        change = value.change
        return cls(
            from_=value.before,
            to=value.after,
            period=value.period.value,
            before=PeriodNegativeResult(n=value.n_before, negative_share=round(change.before, 2)),
            after=PeriodNegativeResult(n=value.n_after, negative_share=round(change.after, 2)),
            delta=round(change.delta, 2),
            p_value=change.p_value,
            significant=change.significant,
            baseline=round(change.baseline, 2),
            effects=[
                ComplaintEffectResult(
                    theme=e.theme,
                    theme_id=value.theme_ids.get(e.theme),
                    effect=round(e.effect, 2),
                    share_before=round(e.share_before, 4),
                    share_after=round(e.share_after, 4),
                )
                for e in change.effects
            ],
        )


class ComplaintsResult(Result):
    overall: ShareResult
    period: str
    trend: list[PeriodShareResult]
    by_segment: dict[str, list[SegmentShareResult]]
    drivers: list[ComplaintDriverResult]
    change: ComplaintChangeResult | None

    @classmethod
    def of(cls, value: Complaints) -> Self:
        def share(share: NegativeShare) -> dict[str, float]:
            return ShareResult.of(share).model_dump()

        return cls(
            overall=ShareResult.of(value.overall),
            period=value.period.value,
            trend=[PeriodShareResult(period=start, **share(s)) for start, s in value.trend.items()],
            by_segment={
                key: [SegmentShareResult(value=v, **share(s)) for v, s in values.items()]
                for key, values in value.by_segment.items()
            },
            drivers=[ComplaintDriverResult.of(d) for d in value.drivers],
            change=None if value.change is None else ComplaintChangeResult.of(value.change),
        )
