"""End to end: a stream with an injected spike raises exactly one alert, delivered once to each
destination (Slack, Teams, e-mail, a signed webhook and a webhook subscription), quotes redacted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from askwhy.alerts import routing, sending, signing
from askwhy.alerts.detection import design_from, detect
from askwhy.alerts.subscriptions import subscribe
from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.settings import Settings
from askwhy.store import alert_rules
from askwhy.store.alert_tables import AlertRow
from askwhy.store.notification_tables import Notification
from tests.alerts.streams import PROGRAM, add_late_theme, import_today, seed_history
from tests.fakes.alert_receivers import FakeMailbox, FakeSlack, FakeTeams, FakeWebhookReceiver, smtp_server

CUSTOMER_EMAIL = "jane.doe@example.com"  # in one of the spike's comments (tests.alerts.streams)


@pytest.fixture
def mailbox() -> Iterator[tuple[FakeMailbox, int]]:
    box = FakeMailbox()
    with smtp_server(box) as port:
        yield box, port


@pytest.fixture
def container(settings: Settings, clock: FakeClock, mailbox: tuple[FakeMailbox, int]) -> Iterator[Container]:
    mail = {"smtp_host": "127.0.0.1", "smtp_port": mailbox[1], "smtp_starttls": False}
    built = bootstrap(
        settings.model_copy(update={**mail, "alert_email_from": "alerts@acme.example"}),
        clock=clock,
        embedder=HashingEmbedder(),
    )
    yield built
    built.close()


def test_a_spike_is_one_alert_delivered_once_to_every_destination_redacted(
    container: Container, mailbox: tuple[FakeMailbox, int], tmp_path: Path
) -> None:
    add_late_theme(container)
    seed_history(container)
    hook_secret = signing.new_secret()
    with (
        FakeSlack() as slack,
        FakeTeams() as teams,
        FakeWebhookReceiver(secret=hook_secret) as hook,
        FakeWebhookReceiver() as subscriber,
    ):
        now = container.clock.now()
        with container.sessions.begin() as session:
            for name, kind, target, secret in (
                ("cx-slack", "slack", slack.url, None),
                ("cx-teams", "teams", teams.url, None),
                ("cx-mail", "email", "cx-team@acme.example", None),
                ("ops-hook", "webhook", hook.url, hook_secret),
            ):
                alert_rules.add_destination(
                    session=session, name=name, kind=kind, target=target, secret=secret, now=now
                )
            alert_rules.add_rule(
                session=session, program=PROGRAM, name="everyone", now=now, min_severity="medium",
                destinations=["cx-slack", "cx-teams", "cx-mail", "ops-hook"],
            )  # fmt: skip
            _, subscriber.secret = subscribe(
                session=session, url=subscriber.url, events=["alert.opened"], program=None, now=now
            )
        import_today(container, tmp_path, late=2, others=0)  # the plain one and the one with an address
        import_today(container, tmp_path, late=12, others=26)
        detect(
            sessions=container.sessions,
            reads=container.reads,
            clock=container.clock,
            design=design_from(container.settings),
        )
        # Whatever ran already (the commit hooks), a second routing pass and sweep change nothing.
        routing.route_alerts(ports=routing.Routing(container.sessions, container.clock, container.settings))
        sending.deliver_due(ports=sending.Notifying(container.sessions, container.clock, container.settings))
    with container.reads() as session:
        alerts = list(session.scalars(select(AlertRow)))
        sent = list(session.scalars(select(Notification)))
    assert len(alerts) == 1
    assert alerts[0].routed_at is not None
    assert sorted((n.destination_kind, n.status) for n in sent) == [
        ("email", "delivered"),
        ("slack", "delivered"),
        ("subscription", "delivered"),
        ("teams", "delivered"),
        ("webhook", "delivered"),
    ]
    box = mailbox[0]
    assert [len(slack.accepted), len(teams.accepted), len(box.received), len(hook.verified)] == [1, 1, 1, 1]
    assert len(subscriber.verified) == 1
    quotes = [e["text"] for e in slack.accepted[0].json["blocks"][3]["elements"]]
    assert len(quotes) >= 3
    assert any("late" in quote.lower() for quote in quotes)
    with_address = [quote for quote in quotes if "write to me at" in quote]
    assert with_address, quotes  # the spike's comment with an address is quoted, redacted
    assert "[email]" in with_address[0]
    bodies = [
        slack.received[0].body,
        teams.received[0].body,
        hook.received[0].body,
        subscriber.received[0].body,
    ]
    bodies.append(box.received[0].as_bytes())
    for body in bodies:
        assert CUSTOMER_EMAIL.encode() not in body
        assert b"jane.doe" not in body
