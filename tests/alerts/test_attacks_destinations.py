"""Attacks through what askwhy tells people: a theme label or a customer's words carrying HTML, Slack
mentions or an e-mail header reach Slack, Teams and e-mail as text, and a signed webhook replayed
later, or with its body changed, is refused by a receiver that verifies it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import WebhookVerificationError

from askwhy.alerts import signing
from askwhy.alerts.destinations import Message, Status
from askwhy.alerts.destinations.email import Email, mailer_from
from askwhy.alerts.destinations.slack import Slack
from askwhy.alerts.destinations.teams import Teams
from askwhy.alerts.destinations.webhook import render_event
from askwhy.alerts.messages import alert_message
from askwhy.settings import Settings
from tests.alerts.alert_samples import alert
from tests.fakes.alert_receivers import FakeMailbox, FakeSlack, FakeTeams, smtp_server

SCRIPT = "<script>alert(1)</script>"


def hostile(label: str, *quotes: str) -> Message:
    sample = dataclasses.replace(alert(quotes=quotes or ("fine",)), label=label)
    return alert_message(sample, event="alert.opened", base_url="https://askwhy.example.com")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def teams() -> Iterator[FakeTeams]:
    with FakeTeams() as fake:
        yield fake


def test_a_label_with_a_mention_is_not_a_mention_in_slack(slack: FakeSlack) -> None:
    destination = Slack(slack.url)
    sent = destination.notify(
        destination.render(hostile("<!channel> late <https://evil.example|click>", "<!here> too")),
        notification_id="n1",
    )
    assert sent.status is Status.DELIVERED
    body = slack.accepted[0].json
    mrkdwn = [body["text"]] + [
        part["text"]
        for block in body["blocks"]
        for part in [block.get("text") or {}, *block.get("fields", []), *block.get("elements", [])]
        if isinstance(part, dict) and part.get("type") == "mrkdwn"
    ]
    assert mrkdwn
    assert all("<!" not in text and "<https://evil" not in text for text in mrkdwn), mrkdwn
    assert "&lt;!channel&gt;" in body["text"], "the notification's fallback text is escaped too"


def test_html_in_a_label_and_a_quote_reaches_teams_as_text(teams: FakeTeams) -> None:
    destination = Teams(teams.url)
    assert destination.notify(destination.render(hostile(SCRIPT, SCRIPT)), notification_id="n1").status is (
        Status.DELIVERED
    )
    card = teams.accepted[0].json["attachments"][0]["content"]
    texts = [run["text"] for block in card["body"] for run in block["inlines"]]
    assert any(SCRIPT in text for text in texts), "JSON carries the words as they are: Teams shows text"


MARKDOWN_LINK, MARKDOWN_IMAGE = "[click](https://evil.example/login)", "![x](https://evil.example/pixel.png)"


def test_markdown_in_a_label_a_quote_or_a_fact_reaches_teams_as_text(teams: FakeTeams) -> None:
    message = dataclasses.replace(
        hostile(f"late {MARKDOWN_LINK}", f"see {MARKDOWN_IMAGE} **now**"),
        facts=(("Segment", f"region={MARKDOWN_LINK}"),),
        lines=(f"{MARKDOWN_IMAGE} rising",),
    )
    destination = Teams(teams.url)
    assert destination.notify(destination.render(message), notification_id="n1").status is Status.DELIVERED
    card = teams.accepted[0].json["attachments"][0]["content"]
    # Teams reads Markdown in a TextBlock and in a FactSet's titles and values, never in a TextRun.
    assert {block["type"] for block in card["body"]} == {"RichTextBlock"}
    runs = [run for block in card["body"] for run in block["inlines"]]
    assert {run["type"] for run in runs} == {"TextRun"}
    texts = [run["text"] for run in runs]
    assert any(MARKDOWN_LINK in text for text in texts[:2]), "the label, in the title and the summary"
    assert f"region={MARKDOWN_LINK}" in texts
    assert any(MARKDOWN_IMAGE in text and "**now**" in text for text in texts), "the quote, as written"
    assert f"- {MARKDOWN_IMAGE} rising" in texts


def _mailed(message: Message) -> tuple[Status, FakeMailbox]:
    mailbox = FakeMailbox()
    with smtp_server(mailbox) as port:
        settings = Settings(
            smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, alert_email_from="alerts@acme.example"
        )
        configured = mailer_from(settings)
        assert configured is not None
        destination = Email("cx-team@acme.example", *configured)
        outcome = destination.notify(destination.render(message), notification_id="n7")
    return outcome.status, mailbox


def test_a_label_with_a_line_break_cannot_add_an_email_header_and_is_still_delivered() -> None:
    status, mailbox = _mailed(hostile("late delivery\r\nBcc: thief@evil.example"))
    assert status is Status.DELIVERED, "a failure is data for the outbox, never an exception"
    (email,) = mailbox.received
    assert email["Bcc"] is None
    assert email["Subject"] == "Rising theme: late delivery Bcc: thief@evil.example"
    assert email["To"] == "cx-team@acme.example"


def test_html_in_a_label_and_a_quote_is_escaped_in_the_email() -> None:
    status, mailbox = _mailed(hostile(SCRIPT, f"{SCRIPT} and <a href='https://evil.example'>x</a>"))
    assert status is Status.DELIVERED
    (email,) = mailbox.received
    part = email.get_body(("html",))
    assert part is not None
    html = part.get_content()
    assert "<script>" not in html
    assert "<a href='https://evil.example'>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_replayed_or_altered_webhook_is_refused_by_a_verifying_receiver() -> None:
    secret = signing.new_secret()
    body = render_event(hostile("late delivery"))
    now = datetime.now(UTC)
    fresh = signing.signed_headers(secret=secret, message_id="msg_n1", body=body, at=now)
    assert signing.verify(secret=secret, headers=fresh, body=body)["type"] == "alert.opened"
    stale = signing.signed_headers(
        secret=secret, message_id="msg_n1", body=body, at=now - timedelta(minutes=6)
    )
    with pytest.raises(WebhookVerificationError):
        signing.verify(secret=secret, headers=stale, body=body)
    altered = json.dumps({**json.loads(body), "type": "alert.resolved"})
    with pytest.raises(WebhookVerificationError):
        signing.verify(secret=secret, headers=fresh, body=altered)
    retimed = {**fresh, "webhook-timestamp": str(int(now.timestamp()) + 1)}
    with pytest.raises(WebhookVerificationError):
        signing.verify(secret=secret, headers=retimed, body=body)
