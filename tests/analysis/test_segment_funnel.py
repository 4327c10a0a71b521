"""The invitation funnel per segment: counts, rates with intervals, and the under-heard segments."""

from __future__ import annotations

import pytest

from askwhy.analysis.segment_funnel import UNKNOWN, InvitationOutcome, funnel_by_segment
from askwhy.domain.conversation import ConversationStatus as S
from askwhy.domain.metrics import wilson_interval


def _many(count: int, status: S, *, replied: bool = False, delivered: bool = True, **attributes: str) -> list:
    return [InvitationOutcome(status, replied=replied, delivered=delivered, attributes=attributes)] * count


def test_each_invitation_counts_at_every_step_it_reached() -> None:
    invitations = [
        InvitationOutcome(S.COMPLETED, replied=True, delivered=True, attributes={"channel": "sms"}),
        InvitationOutcome(S.ABANDONED, replied=True, delivered=True, attributes={"channel": "sms"}),
        InvitationOutcome(S.OPTED_OUT, replied=True, delivered=True, attributes={"channel": "whatsapp"}),
        InvitationOutcome(S.INVITED, delivered=True, attributes={"channel": "whatsapp"}),
        InvitationOutcome(S.INVITED, delivered=False, attributes={"channel": "whatsapp"}),
        InvitationOutcome(S.FAILED, attributes={}),
        # A reply implies delivery even when the channel never confirmed it.
        InvitationOutcome(S.ACTIVE, delivered=False, attributes={"channel": "web"}),
    ]
    result = funnel_by_segment(invitations)
    everyone = result.overall
    assert (everyone.invited, everyone.delivered, everyone.started, everyone.completed) == (7, 5, 4, 1)
    assert (everyone.abandoned, everyone.opted_out, everyone.failed) == (1, 1, 1)
    assert everyone.completion.value == pytest.approx(1 / 4)
    assert everyone.response.value == pytest.approx(1 / 7)
    assert everyone.opt_out.value == pytest.approx(1 / 7)
    by_value = {(s.attribute, s.value): s for s in result.segments}
    assert set(by_value) == {
        ("channel", "sms"),
        ("channel", "whatsapp"),
        ("channel", "web"),
        ("channel", UNKNOWN),
    }
    sms = by_value[("channel", "sms")]
    assert (sms.invited, sms.started, sms.completed, sms.abandoned) == (2, 2, 1, 1)
    assert by_value[("channel", "whatsapp")].delivery.value == pytest.approx(2 / 3)
    assert by_value[("channel", UNKNOWN)].completion.value is None


def test_rates_carry_wilson_intervals() -> None:
    invitations = _many(30, S.COMPLETED, replied=True, plan="pro") + _many(70, S.INVITED, plan="pro")
    pro = funnel_by_segment(invitations).segments[0]
    assert (pro.response.low, pro.response.high) == pytest.approx(wilson_interval(30, 100))
    assert pro.response.value == pytest.approx(0.3)


def test_a_segment_that_answers_much_less_is_under_heard() -> None:
    invitations = (
        _many(300, S.COMPLETED, replied=True, plan="basic", region="eu")
        + _many(700, S.INVITED, plan="basic", region="eu")
        + _many(20, S.COMPLETED, replied=True, plan="enterprise", region="eu")
        + _many(180, S.INVITED, plan="enterprise", region="eu")
        + _many(95, S.COMPLETED, replied=True, plan="pro", region="us")
        + _many(305, S.INVITED, plan="pro", region="us")
    )
    result = funnel_by_segment(invitations, attributes=["plan", "region"])
    assert [(s.attribute, s.value) for s in result.under_heard] == [("plan", "enterprise")]
    enterprise = result.under_heard[0]
    # 10% answered against 415 / 1600 = 25.9% overall.
    assert enterprise.heard_ratio == pytest.approx(0.10 / (415 / 1600))
    assert enterprise.p_value is not None
    assert enterprise.p_value < 0.05
    # pro/us answers 23.75% (ratio 0.92): lower, but heard roughly in proportion.
    assert not any(s.under_heard for s in result.segments if s.value in ("pro", "us"))


def test_a_small_low_segment_is_not_called_under_heard_by_chance() -> None:
    invitations = (
        _many(300, S.COMPLETED, replied=True, plan="basic")
        + _many(700, S.INVITED, plan="basic")
        + _many(1, S.COMPLETED, replied=True, plan="team")
        + _many(9, S.INVITED, plan="team")
    )
    team = next(s for s in funnel_by_segment(invitations).segments if s.value == "team")
    assert team.heard_ratio is not None
    assert team.heard_ratio < 0.8
    assert not team.under_heard


def test_no_invitations_give_empty_rates() -> None:
    result = funnel_by_segment([])
    assert result.overall.invited == 0
    assert result.overall.response.value is None
    assert result.segments == ()
