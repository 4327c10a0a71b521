"""Daily and weekly digests per rule: the period's opened, still open and resolved alerts, one
message per destination, once per period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from askwhy.alerts import digests, routing
from askwhy.bootstrap import Container
from askwhy.clock import FakeClock
from askwhy.domain.alerts import AlertState, Severity
from askwhy.store import alert_rules
from askwhy.store.alert_tables import AlertRow
from askwhy.store.notification_tables import Notification
from tests.alerts.alert_samples import alert, store_alert
from tests.fakes.alert_receivers import FakeSlack

PROGRAM = "post-checkout"
MONDAY = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def ports(container: Container) -> routing.Routing:
    return routing.Routing(sessions=container.sessions, clock=container.clock, settings=container.settings)


def setup(container: Container, slack: FakeSlack, *, digest: list[str], min_severity: str = "low") -> None:
    with container.sessions.begin() as session:
        alert_rules.add_destination(
            session=session, name="cx", kind="slack", target=slack.url, secret=None, now=container.clock.now()
        )
        alert_rules.add_rule(
            session=session, program=PROGRAM, name="delivery", now=container.clock.now(), destinations=["cx"],
            digests=digest, min_severity=min_severity,
        )  # fmt: skip


def add(
    container: Container, *, opened: datetime, subject: str, resolved: datetime | None = None, **kw: object
) -> None:
    with container.sessions.begin() as session:
        row = store_alert(session, alert(subject=subject, **kw), opened_at=opened)  # type: ignore[arg-type]
        row.routed_at = opened  # routed when it opened: the digest is what is tested
        if resolved is not None:
            row.state, row.resolved_at, row.resolved_notified_at = (
                AlertState.RESOLVED.value,
                resolved,
                resolved,
            )


def test_the_periods_end_at_midnight_utc_and_on_monday() -> None:
    wednesday = datetime(2026, 1, 7, 7, 0, tzinfo=UTC)
    daily = digests.last_period("daily", wednesday)
    weekly = digests.last_period("weekly", wednesday)
    assert (daily.start, daily.end) == (datetime(2026, 1, 6, tzinfo=UTC), datetime(2026, 1, 7, tzinfo=UTC))
    assert (weekly.start, weekly.end) == (
        datetime(2025, 12, 29, tzinfo=UTC),
        datetime(2026, 1, 5, tzinfo=UTC),
    )


def test_a_daily_digest_lists_opened_still_open_and_resolved_once(
    container: Container, slack: FakeSlack
) -> None:
    setup(container, slack, digest=["daily"])
    sunday = MONDAY - timedelta(days=1)
    add(container, opened=sunday + timedelta(hours=3), subject="late-delivery")  # opened, still open
    add(container, opened=sunday - timedelta(days=3), subject="refunds", resolved=sunday + timedelta(hours=5))
    add(container, opened=sunday - timedelta(days=9), subject="sizes")  # open all along
    add(container, opened=sunday - timedelta(days=9), subject="old", resolved=sunday - timedelta(days=2))

    created = digests.send_digests(ports=ports(container), name="daily")
    assert digests.send_digests(ports=ports(container), name="daily") == []  # once per period

    assert len(created) == 1
    (received,) = slack.accepted
    body = received.json
    assert body["blocks"][0]["text"]["text"] == "Daily alerts digest: post-checkout (delivery)"
    fields = [f["text"] for f in body["blocks"][2]["fields"]]
    assert fields == ["*Opened*\n1", "*Still open*\n2", "*Resolved*\n1"]
    lines = body["blocks"][3]["text"]["text"].split("\n")
    assert [line.split(":")[0] for line in lines] == ["\u2022 Opened", "\u2022 Still open", "\u2022 Resolved"]
    with container.sessions() as session:
        (sent,) = session.scalars(select(Notification))
    assert (sent.event, sent.status) == ("digest.daily", "delivered")


def test_a_weekly_digest_covers_the_week_and_keeps_to_its_rule(
    container: Container, slack: FakeSlack
) -> None:
    setup(container, slack, digest=["weekly"], min_severity="high")
    add(container, opened=MONDAY - timedelta(days=4), subject="late-delivery")
    add(container, opened=MONDAY - timedelta(days=2), subject="refunds", severity=Severity.MEDIUM)
    assert digests.send_digests(ports=ports(container), name="daily") == []  # the rule asked for weekly only
    assert len(digests.send_digests(ports=ports(container), name="weekly")) == 1
    fields = [f["text"] for f in slack.accepted[0].json["blocks"][2]["fields"]]
    assert fields[0] == "*Opened*\n1"  # the medium alert is below the rule's minimum


def test_a_quiet_period_sends_no_digest(container: Container, slack: FakeSlack) -> None:
    setup(container, slack, digest=["daily", "weekly"])
    add(container, opened=MONDAY - timedelta(days=30), subject="old", resolved=MONDAY - timedelta(days=20))
    assert digests.send_digests(ports=ports(container), name="daily") == []
    assert digests.send_digests(ports=ports(container), name="weekly") == []
    assert slack.received == []
    with container.sessions() as session:
        assert session.scalar(select(AlertRow.id)) is not None
