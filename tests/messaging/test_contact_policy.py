"""The contact policy: each rule that can stop an invitation, with its reason, and the send time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from askwhy.domain.contact_policy import (
    Customer,
    DecisionKind,
    PastInvitation,
    Reason,
    decide,
    next_allowed_time,
    sampling_draw,
)
from askwhy.domain.conversation import Channel
from askwhy.domain.program import Program, QuietHours

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday, 10:00 in London


def program(**changes: Any) -> Program:
    base: dict[str, Any] = {
        "id": "post-checkout", "name": "After checkout", "guide": "post-checkout", "moments": ["delivered"],
        "channels": [{"channel": "whatsapp"}, {"channel": "sms"}, {"channel": "email"}],
        "timing": {"delay": "2h", "expires_after": "3d"},
    }  # fmt: skip
    return Program.model_validate({**base, **changes})


def customer(**changes: Any) -> Customer:
    base: dict[str, Any] = {
        "opted_out": False,
        "consents": {"whatsapp": True},
        "reachable": frozenset({Channel.WHATSAPP, Channel.SMS, Channel.EMAIL}),
        "time_zone": "Europe/London",
    }
    return Customer(**{**base, **changes})


def run(prog: Program | None = None, cust: Customer | None = None, **kwargs: Any) -> Any:
    args: dict[str, Any] = {"recent": [], "draw": 0.0, "occurred_at": NOW, "now": NOW}
    return decide(program=prog or program(), customer=cust or customer(), **{**args, **kwargs})


def test_an_eligible_customer_is_invited_on_the_first_consented_channel_after_the_delay() -> None:
    decision = run()
    assert (decision.kind, decision.reason, decision.channel) == (
        DecisionKind.INVITED,
        Reason.ELIGIBLE,
        Channel.WHATSAPP,
    )
    assert decision.send_at == NOW + timedelta(hours=2)


def test_an_opted_out_customer_is_never_invited() -> None:
    assert run(cust=customer(opted_out=True)).reason is Reason.OPTED_OUT


def test_a_moment_older_than_the_expiry_is_skipped() -> None:
    decision = run(occurred_at=NOW - timedelta(days=4))
    assert (decision.kind, decision.reason) == (DecisionKind.SKIPPED, Reason.EXPIRED)


def test_the_customer_cap_counts_every_program() -> None:
    recent = [PastInvitation(program="other", at=NOW - timedelta(days=29))]
    assert run(recent=recent).reason is Reason.CAPPED
    old = [PastInvitation(program="other", at=NOW - timedelta(days=31))]
    assert run(recent=old).reason is Reason.ELIGIBLE


def test_the_program_cap_counts_only_its_own_invitations() -> None:
    prog = program(
        caps={"customer": {"invitations": 5, "days": 30}, "program": {"invitations": 1, "days": 90}}
    )
    assert (
        run(prog, recent=[PastInvitation(program="post-checkout", at=NOW - timedelta(days=60))]).reason
        is Reason.CAPPED
    )
    assert (
        run(prog, recent=[PastInvitation(program="other", at=NOW - timedelta(days=1))]).reason
        is Reason.ELIGIBLE
    )


def test_sampling_is_a_deterministic_draw_of_customer_and_moment() -> None:
    assert sampling_draw("c1", "m1") == sampling_draw("c1", "m1")
    assert sampling_draw("c1", "m1") != sampling_draw("c1", "m2")
    draws = [sampling_draw(f"c{i}", "m") for i in range(4000)]
    assert 0.47 < sum(d < 0.5 for d in draws) / len(draws) < 0.53
    assert run(program(sampling=0.5), draw=0.7).reason is Reason.SAMPLED_OUT
    assert run(program(sampling=0.5), draw=0.3).reason is Reason.ELIGIBLE


def test_consent_falls_through_the_channel_preference_order() -> None:
    # No WhatsApp or SMS consent (explicit by default); e-mail needs none.
    decision = run(cust=customer(consents={}))
    assert decision.channel is Channel.EMAIL
    withdrawn = run(cust=customer(consents={"email": False}))
    assert (withdrawn.kind, withdrawn.reason) == (DecisionKind.SKIPPED, Reason.NO_CONSENT)


def test_unreachable_customers_are_skipped_with_that_reason() -> None:
    assert run(cust=customer(reachable=frozenset())).reason is Reason.NO_REACHABLE_CHANNEL
    only_sms = run(cust=customer(reachable=frozenset({Channel.SMS}), consents={"sms": True}))
    assert only_sms.channel is Channel.SMS


def test_a_send_in_quiet_hours_is_deferred_to_their_end_in_local_time() -> None:
    evening = datetime(2026, 1, 5, 19, 30, tzinfo=UTC)  # 19:30 London + 2 h delay = 21:30: quiet
    decision = run(occurred_at=evening, now=evening)
    assert (decision.kind, decision.reason) == (DecisionKind.DEFERRED, Reason.QUIET_HOURS)
    assert decision.send_at == datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
    # The same moment for a customer in New York (14:30 local + 2 h) goes out at once.
    new_york = run(cust=customer(time_zone="America/New_York"), occurred_at=evening, now=evening)
    assert new_york.kind is DecisionKind.INVITED
    assert new_york.send_at == evening + timedelta(hours=2)


def test_quiet_hours_follow_daylight_saving_time() -> None:
    quiet = QuietHours()
    # 2026-03-29: London moves to BST (UTC+1). 06:00 UTC = 07:00 local: quiet until 09:00 local = 08:00 UTC.
    at = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    assert next_allowed_time(at, quiet, "Europe/London") == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    # Unknown zones fall back to the program's default.
    assert next_allowed_time(at, quiet, "Mars/Olympus") == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)


def test_quiet_hours_that_outlast_the_expiry_skip_the_invitation() -> None:
    evening = datetime(2026, 1, 5, 19, 30, tzinfo=UTC)
    decision = run(program(timing={"delay": "2h", "expires_after": "3h"}), occurred_at=evening, now=evening)
    assert (decision.kind, decision.reason) == (DecisionKind.SKIPPED, Reason.EXPIRED)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("channels", [{"channel": "web"}], "invitations go out on"),
        ("timing", {"delay": "soon"}, "a duration like"),
        ("sampling", 1.5, "less than or equal to 1"),
        ("quiet_hours", {"default_time_zone": "Mars/Olympus"}, "unknown time zone"),
    ],
)
def test_invalid_programs_are_refused(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        program(**{field: value})
