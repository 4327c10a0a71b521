"""The case's people hear of it through the alerts' destinations: the owner of a new or reassigned
case and of a customer's answer, the lead (and owner) of an escalation, each message with a link
to the case and without the customer's words, delivered by the notification outbox to local fakes
of Slack, Teams, a signed webhook and an SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.alerts import sending, signing
from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.cases.outbox_notices import OutboxNotifier
from askwhy.clock import FakeClock
from askwhy.programs.startup import sync_from_folder
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store import alert_rules
from askwhy.store.notification_tables import Notification
from askwhy.tasks.cases import escalate
from tests.fakes.alert_receivers import FakeMailbox, FakeSlack, FakeTeams, FakeWebhookReceiver, smtp_server

from .conftest import PROGRAM, TEAM, write_program
from .helpers import cases, say, start
from .test_api import key

BASE = "https://askwhy.test"
HOOK_SECRET = signing.new_secret()
NOTIFIED_TEAM = {**TEAM, "notify": ["care-slack", "care-teams", "care-hook"], "email_people": True}


@pytest.fixture
def receivers() -> Iterator[dict[str, Any]]:
    mailbox = FakeMailbox()
    with (
        smtp_server(mailbox) as port,
        FakeSlack() as slack,
        FakeTeams() as teams,
        FakeWebhookReceiver(secret=HOOK_SECRET) as hook,
    ):
        yield {"mailbox": mailbox, "port": port, "slack": slack, "teams": teams, "hook": hook}


@pytest.fixture
def container(
    settings: Settings, clock: FakeClock, tmp_path: Path, receivers: dict[str, Any]
) -> Iterator[Container]:
    folder = tmp_path / "programs"
    write_program(folder, {**PROGRAM, "teams": [NOTIFIED_TEAM, PROGRAM["teams"][1]]})
    configured = settings.model_copy(
        update={
            "programs_dir": folder, "rate_limit_conversation_starts": "1000/minute", "public_base_url": BASE,
            "smtp_host": "127.0.0.1", "smtp_port": receivers["port"], "smtp_starttls": False,
            "alert_email_from": "cases@acme.example",
        }
    )  # fmt: skip
    built = bootstrap(configured, clock=clock, embedder=HashingEmbedder())
    sync_from_folder(sessions=built.sessions, guides=built.guides, folder=folder, now=clock.now())
    with built.sessions.begin() as session:
        for name, kind, target, secret in (
            ("care-slack", "slack", receivers["slack"].url, None),
            ("care-teams", "teams", receivers["teams"].url, None),
            ("care-hook", "webhook", receivers["hook"].url, HOOK_SECRET),
        ):
            alert_rules.add_destination(
                session=session, name=name, kind=kind, target=target, secret=secret, now=clock.now()
            )
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def deliver(container: Container) -> None:
    """Whatever the commit hooks delivered already, the outbox's sweep sends the rest."""
    sending.deliver_due(ports=sending.Notifying(container.sessions, container.clock, container.settings))


def mails_to(mailbox: FakeMailbox, address: str) -> list[EmailMessage]:
    return [mail for mail, to in zip(mailbox.received, mailbox.recipients, strict=True) if address in to]


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def test_the_owner_hears_of_a_new_case_on_every_destination_with_a_link(
    client: TestClient, container: Container, receivers: dict[str, Any]
) -> None:
    say(client, start(client), "my parcel is lost, can someone call me? I'm on 07700 900123")
    deliver(container)
    [case] = cases(container)
    link = f"{BASE}/programs/post-checkout/cases/{case.id}"
    slack, teams, hook, mailbox = (receivers[name] for name in ("slack", "teams", "hook", "mailbox"))

    [posted] = slack.accepted
    header = posted.json["blocks"][0]["text"]["text"]
    assert header == "New case for ana@example.com: help request"
    assert link in posted.body.decode()
    assert len(teams.accepted) == 1
    assert link in teams.accepted[0].body.decode()
    [signed] = hook.verified
    assert signed.json["type"] == "case.opened"
    assert signed.json["data"]["case"]["case_id"] == case.id
    assert (signed.json["data"]["happened"], signed.json["data"]["for"]) == ("opened", ["ana@example.com"])
    [mail] = mails_to(mailbox, "ana@example.com")
    assert mail["Subject"] == "New case for ana@example.com: help request"
    assert f"Open in askwhy: {link}" in text_of(mail)
    assert "Mon 05 Jan 14:00 (Europe/Lisbon)" in text_of(mail)  # the first response, in the team's zone
    everything = [r.body for r in (*slack.received, *teams.received, *hook.received)]
    everything.append(mail.as_bytes())
    assert not any(b"07700" in body or b"parcel is lost" in body for body in everything)
    with container.reads() as session:
        sent = list(session.scalars(select(Notification)))
    assert {(n.destination_kind, n.status) for n in sent} == {
        ("slack", "delivered"), ("teams", "delivered"), ("webhook", "delivered"), ("email", "delivered"),
    }  # fmt: skip


def test_a_reassigned_case_tells_the_new_owner_and_a_note_tells_no_one(
    client: TestClient, container: Container, receivers: dict[str, Any]
) -> None:
    say(client, start(client), "can someone call me?")
    [case] = cases(container)
    writer = key(container, "cases:write")
    client.post(f"/v1/cases/{case.id}/notes", json={"note": "calling now"}, headers=writer)
    deliver(container)
    assert len(receivers["slack"].accepted) == 1  # the new case only
    client.post(f"/v1/cases/{case.id}/assign", json={"owner": "bruno@example.com"}, headers=writer)
    deliver(container)
    headers = [r.json["blocks"][0]["text"]["text"] for r in receivers["slack"].accepted]
    assert headers[-1] == "Case assigned to bruno@example.com: help request"
    [mail] = mails_to(receivers["mailbox"], "bruno@example.com")
    assert case.id in text_of(mail)


def test_an_overdue_case_is_escalated_to_the_lead_on_the_teams_destinations(
    client: TestClient, container: Container, clock: FakeClock, receivers: dict[str, Any]
) -> None:
    say(client, start(client), "please call me")
    [case] = cases(container)
    clock.advance(days=1)  # Tuesday 10:00: past Monday's 18:00 deadline
    assert escalate(container, notifier=OutboxNotifier(base_url=BASE)) == [case.id]
    deliver(container)
    headers = [r.json["blocks"][0]["text"]["text"] for r in receivers["slack"].accepted]
    assert headers == [
        "New case for ana@example.com: help request",
        "Overdue case escalated to carla@example.com: help request",
    ]
    [mail] = mails_to(receivers["mailbox"], "carla@example.com")
    assert "passed its resolution deadline (Mon 05 Jan 18:00 (Europe/Lisbon))" in text_of(mail)
    assert len(mails_to(receivers["mailbox"], "ana@example.com")) == 2  # the new case, the escalation
    assert escalate(container, notifier=OutboxNotifier(base_url=BASE)) == []
    deliver(container)
    assert len(receivers["slack"].accepted) == 2


def test_a_team_naming_a_destination_that_does_not_exist_still_opens_its_cases(
    client: TestClient, container: Container, receivers: dict[str, Any]
) -> None:
    with container.sessions.begin() as session:
        alert_rules.remove_destination(session=session, id_or_name="care-slack")
    say(client, start(client), "can someone call me?")
    deliver(container)
    assert len(cases(container)) == 1
    assert receivers["slack"].received == []
    assert len(receivers["teams"].accepted) == 1
