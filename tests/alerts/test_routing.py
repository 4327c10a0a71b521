"""Routing alerts by the program's rules, through the notification outbox, to local fakes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from askwhy.alerts import routing, sending, signing
from askwhy.alerts.rules import Rule
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.alerts import AlertKind, AlertState, Severity
from askwhy.settings import Settings
from askwhy.store import alert_rules, notifications
from askwhy.store.alert_tables import AlertRow
from askwhy.store.notification_tables import Notification
from tests.alerts.alert_samples import alert, store_alert
from tests.fakes.alert_receivers import FakeSlack, FakeWebhookReceiver

PROGRAM = "post-checkout"


@pytest.fixture
def container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    built = bootstrap(settings.model_copy(update={"notification_max_attempts": 3}), clock=clock)
    yield built
    built.close()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def ports(container: Container) -> routing.Routing:
    return routing.Routing(sessions=container.sessions, clock=container.clock, settings=container.settings)


def notifying(container: Container) -> sending.Notifying:
    return sending.Notifying(sessions=container.sessions, clock=container.clock, settings=container.settings)


def add_rule(container: Container, *destinations: str, min_severity: str = "low", **fields: object) -> None:
    with container.sessions.begin() as session:
        alert_rules.add_rule(
            session=session,
            program=PROGRAM,
            name="delivery team",
            now=container.clock.now(),
            destinations=list(destinations),
            min_severity=min_severity,
            **fields,
        )


def add_destination(
    container: Container, name: str, kind: str, target: str, secret: str | None = None
) -> None:
    with container.sessions.begin() as session:
        alert_rules.add_destination(
            session=session, name=name, kind=kind, target=target, secret=secret, now=container.clock.now()
        )


def raise_alert(container: Container, severity: Severity = Severity.HIGH, **options: object) -> str:
    with container.sessions.begin() as session:
        row = store_alert(session, alert(severity=severity, **options), opened_at=container.clock.now())  # type: ignore[arg-type]
        return row.id


def all_notifications(container: Container) -> list[Notification]:
    with container.sessions() as session:
        return list(session.scalars(select(Notification).order_by(Notification.created_at)))


def test_an_alert_is_routed_once_and_delivered_to_its_rules_destination(
    container: Container, slack: FakeSlack
) -> None:
    add_destination(container, "cx-slack", "slack", slack.url)
    add_rule(container, "cx-slack")
    alert_id = raise_alert(container)  # the commit nudges routing, which delivers after its own commit
    routing.route_alerts(ports=ports(container))  # nothing left to route: no second notification
    (only,) = all_notifications(container)
    assert (only.status, only.event, only.alert_id, only.attempts) == (
        "delivered",
        "alert.opened",
        alert_id,
        1,
    )
    assert len(slack.accepted) == 1
    with container.sessions() as session:
        assert session.get(AlertRow, alert_id).routed_at == container.clock.now()  # type: ignore[union-attr]


def test_a_rule_with_minimum_severity_high_skips_a_medium_alert(
    container: Container, slack: FakeSlack
) -> None:
    add_destination(container, "cx-slack", "slack", slack.url)
    add_rule(container, "cx-slack", min_severity="high")
    medium = raise_alert(container, Severity.MEDIUM)
    assert all_notifications(container) == []
    with container.sessions() as session:
        assert session.get(AlertRow, medium).routed_at is not None  # type: ignore[union-attr]
    assert slack.received == []


def test_rules_match_kind_subject_and_segment() -> None:
    rule = Rule(
        id="r",
        program=PROGRAM,
        name="north deliveries",
        destinations=("d",),
        kinds=frozenset({"rising_theme"}),
        subjects=frozenset({"late-delivery"}),
        segment={"region": "north"},
    )
    assert rule.matches(alert(segment={"region": "north", "plan": "pro"}))
    assert not rule.matches(alert(segment={"region": "south"}))
    assert not rule.matches(alert(segment={"region": "north"}, subject="refunds"))
    assert not rule.matches(alert(segment={"region": "north"}, kind=AlertKind.METRIC_DROP))
    assert not rule.matches(alert(segment={"region": "north"}, program="support"))


def test_a_server_error_is_retried_after_backoff_and_delivered_once(
    container: Container, slack: FakeSlack
) -> None:
    add_destination(container, "cx-slack", "slack", slack.url)
    add_rule(container, "cx-slack")
    slack.script(500)
    raise_alert(container)
    (waiting,) = all_notifications(container)
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("pending", 1, "HTTP 500: scripted 500")
    assert waiting.next_attempt_at == container.clock.now() + timedelta(seconds=30)
    (scheduled,) = container.jobs.huey.scheduled()  # the next attempt is queued for its time
    assert (scheduled.name, scheduled.args) == ("deliver_notification", (waiting.id,))
    assert sending.deliver_due(ports=notifying(container)) == 0  # not due yet
    container.clock.advance(seconds=31)  # type: ignore[attr-defined]
    assert sending.deliver_due(ports=notifying(container)) == 1
    (done,) = all_notifications(container)
    assert (done.status, done.attempts) == ("delivered", 2)
    assert [r.status for r in slack.received] == [500, 200]
    container.clock.advance(minutes=5)  # type: ignore[attr-defined]
    assert sending.deliver_due(ports=notifying(container)) == 0
    assert len(slack.accepted) == 1


def test_a_client_error_dead_letters_with_its_reason(container: Container, slack: FakeSlack) -> None:
    add_destination(container, "cx-slack", "slack", slack.url)
    add_rule(container, "cx-slack")
    slack.script(400)
    raise_alert(container)
    (dead,) = all_notifications(container)
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 1, "HTTP 400: scripted 400")


def test_the_last_allowed_attempt_dead_letters_and_retry_revives(
    container: Container, slack: FakeSlack
) -> None:
    add_destination(container, "cx-slack", "slack", slack.url)
    add_rule(container, "cx-slack")
    slack.script(503, 503, 503)
    raise_alert(container)
    for _ in range(3):
        container.clock.advance(hours=2)  # type: ignore[attr-defined]
        sending.deliver_due(ports=notifying(container))
    (dead,) = all_notifications(container)
    assert (dead.status, dead.attempts) == ("dead", 3)
    assert dead.last_error == "3 attempts; last: HTTP 503: scripted 503"
    assert len(slack.received) == 3
    with container.sessions.begin() as session:
        assert notifications.revive(session=session, now=container.clock.now()) == [dead.id]
    assert sending.deliver_due(ports=notifying(container)) == 1  # due at once; the fake now answers ok
    (revived,) = all_notifications(container)
    assert (revived.status, revived.attempts) == ("delivered", 1)
    assert len(slack.accepted) == 1


def test_a_resolved_alert_is_announced_once(container: Container, slack: FakeSlack) -> None:
    add_destination(container, "cx-slack", "slack", slack.url)
    add_rule(container, "cx-slack")
    alert_id = raise_alert(container)
    with container.sessions.begin() as session:
        row = session.get(AlertRow, alert_id)
        assert row is not None
        row.state, row.resolved_at = AlertState.RESOLVED.value, container.clock.now()
    routing.route_alerts(ports=ports(container))
    events = [(n.event, n.status) for n in all_notifications(container)]
    assert sorted(events) == [("alert.opened", "delivered"), ("alert.resolved", "delivered")]
    assert slack.accepted[1].json["blocks"][0]["text"]["text"] == "Resolved: rising theme: late delivery"


def test_secrets_and_webhook_urls_never_reach_the_logs(
    container: Container, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    secret = signing.new_secret()
    caplog.set_level(logging.DEBUG)
    with FakeWebhookReceiver(secret=secret) as receiver:
        add_destination(container, "cx-slack", "slack", slack.url)
        add_destination(container, "ops-hook", "webhook", receiver.url, secret)
        add_rule(container, "cx-slack", "ops-hook")
        slack.script(500)
        raise_alert(container)
        assert len(receiver.verified) == 1
    assert {n.status for n in all_notifications(container)} == {"pending", "delivered"}
    assert "notification" in caplog.text  # delivery did log its outcomes
    assert secret not in caplog.text
    assert secret.removeprefix("whsec_") not in caplog.text
    assert "SECRETPATH" not in caplog.text


def test_a_destination_missing_its_settings_waits_instead_of_failing(container: Container) -> None:
    add_destination(container, "cx-mail", "email", "cx@acme.example")  # no SMTP configured
    add_rule(container, "cx-mail")
    raise_alert(container)
    (waiting,) = all_notifications(container)
    assert waiting.status == "pending"
    assert "ASKWHY_SMTP_HOST" in waiting.last_error
