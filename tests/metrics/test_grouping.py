"""Breakdowns by period, program, channel and segment, always with n."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from askwhy.domain.grouping import (
    Period,
    ScoredResponse,
    by_channel,
    by_period,
    by_program,
    by_segment,
    compare_groups,
    period_start,
)
from askwhy.domain.metrics import Statistic
from askwhy.domain.scales import Metric


def _nps(score: int, day: int = 6, program: str | None = None, channel: str | None = None, **segment: str):
    return ScoredResponse(
        score=score,
        metric=Metric.NPS,
        responded_at=datetime(2024, 5, day, 12),
        program=program,
        channel=channel,
        segment=segment,
    )


def test_period_start_for_day_week_and_month() -> None:
    moment = datetime(2024, 5, 16, 23, 59)  # a Thursday
    assert period_start(moment, Period.DAY) == date(2024, 5, 16)
    assert period_start(moment, Period.WEEK) == date(2024, 5, 13)
    assert period_start(moment, Period.MONTH) == date(2024, 5, 1)


def test_by_week_groups_in_time_order_with_n() -> None:
    # 6–7 May fall in the week of Monday 6 May; 13, 14 and Sunday 19 May in the week of 13 May.
    responses = [_nps(10, 6), _nps(0, 7), _nps(9, 13), _nps(9, 14), _nps(3, 19)]
    weeks = by_period(responses, metric=Metric.NPS, period=Period.WEEK)
    # week 1: 1 promoter, 1 detractor → 0; week 2: 2 promoters, 1 detractor of 3 → 33.3
    assert [(w.key, w.n) for w in weeks] == [("2024-05-06", 2), ("2024-05-13", 3)]
    assert [w.estimate.value for w in weeks] == pytest.approx([0.0, 100 / 3])


def test_by_month_and_day() -> None:
    responses = [_nps(10, 6), _nps(0, 7), _nps(9, 7)]
    assert [(g.key, g.n) for g in by_period(responses, metric=Metric.NPS, period=Period.MONTH)] == [
        ("2024-05-01", 3)
    ]
    assert [(g.key, g.n) for g in by_period(responses, metric=Metric.NPS, period=Period.DAY)] == [
        ("2024-05-06", 1),
        ("2024-05-07", 2),
    ]


def test_program_channel_and_segment_breakdowns_leave_out_unknowns_and_other_metrics() -> None:
    csat = ScoredResponse(score=5, metric=Metric.CSAT, responded_at=datetime(2024, 5, 6), program="checkout")
    responses = [
        _nps(10, program="checkout", channel="sms", region="north"),
        _nps(6, program="checkout", channel="web", region="south"),
        _nps(9, program="support", channel="web"),
        csat,
    ]
    assert [(g.key, g.n) for g in by_program(responses, metric=Metric.NPS)] == [
        ("checkout", 2),
        ("support", 1),
    ]
    assert [(g.key, g.n) for g in by_channel(responses, metric=Metric.NPS)] == [("sms", 1), ("web", 2)]
    assert [(g.key, g.n) for g in by_segment(responses, metric=Metric.NPS, segment="region")] == [
        ("north", 1),
        ("south", 1),
    ]
    [checkout] = by_program(responses, metric=Metric.CSAT)
    assert (checkout.key, checkout.n, checkout.estimate.statistic) == ("checkout", 1, Statistic.TOP2BOX)


def test_compare_groups_judges_segments_together() -> None:
    before = [_nps(10, region="north")] * 200 + [_nps(0, region="north")] * 100
    before += [_nps(10, region="south")] * 60 + [_nps(0, region="south")] * 40
    after = [_nps(10, region="north")] * 100 + [_nps(0, region="north")] * 200
    after += [_nps(10, region="south")] * 60 + [_nps(0, region="south")] * 40
    after += [_nps(10, region="west")] * 10
    changes = compare_groups(before, after, metric=Metric.NPS, key=lambda r: r.segment.get("region"))
    assert [c.key for c in changes] == ["north", "south"]  # west has no "before"
    north, south = (c.change for c in changes)
    assert north.delta == pytest.approx(-200 / 3)
    assert north.significant
    assert north.p_adjusted is not None
    assert south.delta == 0.0
    assert not south.significant
