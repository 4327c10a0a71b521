"""The invitation funnel per segment as the API and the CLI give it: counts, rates with intervals,
and the under-heard segments."""

from __future__ import annotations

from typing import Self

from pydantic import Field

from askwhy.analysis.segment_funnel import Proportion, SegmentFunnel
from askwhy.insights.invitation_funnel import ProgramSegmentFunnel
from askwhy.report.results import Result, rounded


class RateResult(Result):
    """``count`` of ``total`` on 0..1 with its Wilson interval; None where ``total`` is zero."""

    count: int
    total: int
    value: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, rate: Proportion) -> Self:
        return cls(
            count=rate.count,
            total=rate.total,
            value=rounded(rate.value, 4),
            low=rounded(rate.low, 4),
            high=rounded(rate.high, 4),
        )


class SegmentFunnelResult(Result):
    attribute: str = Field(description="channel, language, moment or an event attribute; all for everyone.")
    value: str
    invited: int
    delivered: int = Field(description="Confirmed by the channel, or implied by a reply.")
    started: int = Field(description="The customer replied.")
    completed: int
    abandoned: int
    opted_out: int
    failed: int
    delivery_rate: RateResult = Field(description="Delivered / invited.")
    start_rate: RateResult = Field(description="Started / invited.")
    completion_rate: RateResult = Field(description="Completed / started.")
    response_rate: RateResult = Field(description="Completed / invited.")
    opt_out_rate: RateResult = Field(description="Opted out / invited.")
    heard_ratio: float | None = Field(
        default=None,
        description="Its share of the responders over its share of the invited (1: in proportion).",
    )
    p_value: float | None = Field(
        default=None, description="Response rate against everyone else's (Benjamini–Hochberg adjusted)."
    )
    under_heard: bool = False

    @classmethod
    def of(cls, segment: SegmentFunnel) -> Self:
        return cls(
            attribute=segment.attribute,
            value=segment.value,
            invited=segment.invited,
            delivered=segment.delivered,
            started=segment.started,
            completed=segment.completed,
            abandoned=segment.abandoned,
            opted_out=segment.opted_out,
            failed=segment.failed,
            delivery_rate=RateResult.of(segment.delivery),
            start_rate=RateResult.of(segment.start),
            completion_rate=RateResult.of(segment.completion),
            response_rate=RateResult.of(segment.response),
            opt_out_rate=RateResult.of(segment.opt_out),
            heard_ratio=rounded(segment.heard_ratio, 3),
            p_value=segment.p_value,
            under_heard=segment.under_heard,
        )


class SegmentFunnelsResult(Result):
    program: str
    overall: SegmentFunnelResult
    segments: list[SegmentFunnelResult] = Field(description="Every value of every attribute, by attribute.")
    under_heard: list[str] = Field(
        description="attribute=value of the under-heard segments, least heard first."
    )
    attributes: list[str] = Field(description="The attributes broken down.")
    skipped: list[str] = Field(description="Attributes with too many values to be segments (ids, names).")

    @classmethod
    def of(cls, found: ProgramSegmentFunnel) -> Self:
        funnel = found.funnel
        return cls(
            program=found.program,
            overall=SegmentFunnelResult.of(funnel.overall),
            segments=[SegmentFunnelResult.of(s) for s in funnel.segments],
            under_heard=[f"{s.attribute}={s.value}" for s in funnel.under_heard],
            attributes=list(found.attributes),
            skipped=list(found.skipped),
        )
