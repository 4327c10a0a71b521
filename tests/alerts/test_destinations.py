"""Each destination delivers its real format to a local fake, and reports failures as data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from askwhy.alerts import signing
from askwhy.alerts.destinations import RENDERERS, Message, Status, check
from askwhy.alerts.destinations.email import Email, mailer_from
from askwhy.alerts.destinations.slack import Slack
from askwhy.alerts.destinations.teams import Teams
from askwhy.alerts.destinations.webhook import SignedWebhook
from askwhy.alerts.messages import alert_message
from askwhy.settings import Settings
from tests.alerts.alert_samples import alert
from tests.fakes.alert_receivers import FakeMailbox, FakeSlack, FakeTeams, FakeWebhookReceiver, smtp_server

BASE = "https://askwhy.example.com"


def message(**options: Any) -> Message:
    return alert_message(alert(**options), event="alert.opened", base_url=BASE)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def teams() -> Iterator[FakeTeams]:
    with FakeTeams() as fake:
        yield fake


def test_the_published_standard_webhooks_test_vector_is_reproduced() -> None:
    headers = signing.signed_headers(
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        message_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        body='{"test": 2432232314}',
        at=datetime.fromtimestamp(1614265330, tz=UTC),
    )
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_slack_receives_block_kit_with_header_fields_quotes_and_a_button(slack: FakeSlack) -> None:
    destination = Slack(slack.url)
    outcome = destination.notify(destination.render(message()), notification_id="n1")
    assert outcome.status is Status.DELIVERED
    (received,) = slack.accepted
    body = received.json
    kinds = [block["type"] for block in body["blocks"]]
    assert kinds == ["header", "section", "section", "context", "actions"]
    assert body["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": "Rising theme: late delivery",
        "emoji": True,
    }
    fields = [f["text"] for f in body["blocks"][2]["fields"]]
    assert "*Severity*\nhigh" in fields
    quotes = [e["text"] for e in body["blocks"][3]["elements"]]
    assert quotes[0] == "_\u201cThe parcel came a week late.\u201d_"
    button = body["blocks"][4]["elements"][0]
    assert button["type"] == "button"
    assert button["url"] == f"{BASE}/programs/post-checkout/themes/late-delivery"
    assert body["text"].startswith("Rising theme: late delivery")


def test_slack_mrkdwn_escapes_customer_words_so_they_cannot_mention_anyone(slack: FakeSlack) -> None:
    destination = Slack(slack.url)
    destination.notify(destination.render(message(quotes=("<!channel> & <@U123>",))), notification_id="n1")
    quote = slack.accepted[0].json["blocks"][3]["elements"][0]["text"]
    assert "<!channel>" not in quote
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in quote


def test_teams_receives_one_adaptive_card_in_the_attachments_envelope(teams: FakeTeams) -> None:
    destination = Teams(teams.url)
    outcome = destination.notify(destination.render(message()), notification_id="n1")
    assert outcome.status is Status.DELIVERED
    body = teams.accepted[0].json
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    facts = {
        block["inlines"][0]["text"]: block["inlines"][1]["text"]
        for block in card["body"]
        if len(block["inlines"]) == 2  # a fact: its bold title, then its value
    }
    assert facts["Severity: "] == "high"
    assert card["actions"][0] == {
        "type": "Action.OpenUrl",
        "title": "Open in askwhy",
        "url": f"{BASE}/programs/post-checkout/themes/late-delivery",
    }


def test_email_goes_through_the_smtp_sender_as_text_and_html() -> None:
    mailbox = FakeMailbox()
    with smtp_server(mailbox) as port:
        settings = Settings(
            smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, alert_email_from="alerts@acme.example"
        )
        configured = mailer_from(settings)
        assert configured is not None
        destination = Email("cx-team@acme.example", *configured)
        outcome = destination.notify(destination.render(message()), notification_id="n42")
    assert outcome.status is Status.DELIVERED
    (email,) = mailbox.received
    assert email["Subject"] == "Rising theme: late delivery"
    assert email["To"] == "cx-team@acme.example"
    assert email["Message-ID"] == "<n42.alert@acme.example>"
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "late delivery: 9.1% of responses, up from 3.0%" in text
    assert '"The parcel came a week late."' in text
    assert "&ldquo;The parcel came a week late.&rdquo;" in html


def test_an_unreachable_smtp_server_is_retried_not_raised() -> None:
    with smtp_server(FakeMailbox()) as port:
        pass  # the server is gone: nothing listens on the port any more
    settings = Settings(
        smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, email_from="a@acme.example"
    )
    configured = mailer_from(settings)
    assert configured is not None
    destination = Email("cx@acme.example", *configured)
    outcome = destination.notify(destination.render(message()), notification_id="n1")
    assert outcome.status is Status.RETRY
    assert "SMTP" in outcome.reason


def test_a_webhook_is_signed_so_the_receiver_verifies_it() -> None:
    secret = signing.new_secret()
    with FakeWebhookReceiver(secret=secret) as receiver:
        destination = SignedWebhook(receiver.url, secret)
        outcome = destination.notify(destination.render(message()), notification_id="n7")
    assert outcome.status is Status.DELIVERED
    (received,) = receiver.verified
    assert received.headers["webhook-id"] == "msg_n7"
    event = received.json
    assert event["type"] == "alert.opened"
    assert event["data"]["alert"]["severity"] == "high"


def test_a_webhook_signed_with_another_secret_is_refused_by_the_receiver() -> None:
    with FakeWebhookReceiver(secret=signing.new_secret()) as receiver:
        destination = SignedWebhook(receiver.url, signing.new_secret())
        outcome = destination.notify(destination.render(message()), notification_id="n7")
    assert outcome.status is Status.FAILED
    assert outcome.reason.startswith("HTTP 401")


def test_server_errors_and_rate_limits_are_retried_with_retry_after(slack: FakeSlack) -> None:
    destination = Slack(slack.url)
    slack.script(500)
    slack.script(429, retry_after="17")
    payload = destination.render(message())
    first = destination.notify(payload, notification_id="n1")
    second = destination.notify(payload, notification_id="n1")
    assert (first.status, first.reason) == (Status.RETRY, "HTTP 500: scripted 500")
    assert (second.status, second.retry_after_seconds) == (Status.RETRY, 17.0)


def test_a_client_error_fails_for_good_with_its_reason_and_no_url(slack: FakeSlack) -> None:
    slack.script(404)
    outcome = Slack(slack.url).notify(RENDERERS["slack"](message()), notification_id="n1")
    assert outcome.status is Status.FAILED
    assert outcome.reason == "HTTP 404: scripted 404"


def test_no_answer_is_retried() -> None:
    with FakeSlack() as gone:
        url = gone.url
    outcome = Slack(url, timeout_seconds=2).notify(RENDERERS["slack"](message()), notification_id="n1")
    assert outcome.status is Status.RETRY
    assert "could not reach" in outcome.reason
    assert "SECRETPATH" not in outcome.reason


def test_destinations_are_checked_field_by_field() -> None:
    with pytest.raises(ValueError, match=r"^kind:"):
        check(kind="pager", target="https://x.example", secret=None)
    with pytest.raises(ValueError, match=r"^target:"):
        check(kind="email", target="not-an-address", secret=None)
    with pytest.raises(ValueError, match=r"^secret:"):
        check(kind="webhook", target="https://x.example", secret="plain")
    check(kind="webhook", target="env:HOOK_URL", secret=signing.new_secret())


def test_slack_test_message_is_delivered(slack: FakeSlack) -> None:
    assert Slack(slack.url).test().status is Status.DELIVERED
    assert json.loads(slack.accepted[0].body)["blocks"][0]["text"]["text"] == "askwhy test notification"


def test_retry_after_as_an_http_date_is_read() -> None:
    from email.utils import format_datetime

    from askwhy.alerts.destinations.base import retry_after

    later = datetime.now(UTC) + timedelta(seconds=120)
    assert 100 < (retry_after(format_datetime(later, usegmt=True)) or 0) <= 120
