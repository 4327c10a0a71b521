"""WhatsAppSender against a fake Graph API on 127.0.0.1: message bodies, and every failure mapped
onto the retry decision the outbox needs."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from askwhy.channels.base import OutgoingMessage, SendError, Template
from askwhy.channels.registry import build_senders
from askwhy.channels.whatsapp.sender import WhatsAppSender, build_sender
from askwhy.domain.conversation import Channel, Choice
from askwhy.settings import Settings
from tests.fakes.graph_api import FakeGraphApi

TOKEN = "EAAG-secret-token-never-logged"


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi(access_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def sender(graph: FakeGraphApi) -> Iterator[WhatsAppSender]:
    built = WhatsAppSender(
        phone_number_id="106540352242922",
        access_token=SecretStr(TOKEN),
        base_url=graph.base_url,
        api_version="v21.0",
        timeout_seconds=0.5,
    )
    yield built
    built.close()


def outgoing(text: str = "Thanks for your order! How did it go?", **kwargs: object) -> OutgoingMessage:
    return OutgoingMessage(to="+16505551234", text=text, idempotency_key="msg-41", **kwargs)  # type: ignore[arg-type]


def scale(low: int, high: int) -> tuple[Choice, ...]:
    return tuple(Choice(str(n), str(n)) for n in range(low, high + 1))


def test_text_is_posted_to_the_phone_number_with_the_token_and_callback_data(
    graph: FakeGraphApi, sender: WhatsAppSender
) -> None:
    result = sender.send(outgoing())
    assert result.provider_message_id.startswith("wamid.")
    [request] = graph.received
    assert request.path == "/v21.0/106540352242922/messages"
    assert request.authorization == f"Bearer {TOKEN}"
    assert request.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "biz_opaque_callback_data": "msg-41",
        "type": "text",
        "text": {"preview_url": False, "body": "Thanks for your order! How did it go?"},
    }


def test_a_user_id_is_addressed_as_recipient(graph: FakeGraphApi, sender: WhatsAppSender) -> None:
    sender.send(OutgoingMessage(to="US.13491208655302741918", text="Hi", idempotency_key="k"))
    [body] = graph.sent
    assert body["recipient"] == "US.13491208655302741918"
    assert "to" not in body


def test_up_to_three_short_choices_become_reply_buttons(graph: FakeGraphApi, sender: WhatsAppSender) -> None:
    sender.send(
        outgoing("Shall we call you?", choices=(Choice("yes", "Yes please"), Choice("no", "No thanks")))
    )
    [body] = graph.sent
    assert body["type"] == "interactive"
    assert body["interactive"] == {
        "type": "button",
        "body": {"text": "Shall we call you?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "yes", "title": "Yes please"}},
                {"type": "reply", "reply": {"id": "no", "title": "No thanks"}},
            ]
        },
    }


def test_a_five_point_scale_becomes_a_list_labelled_by_its_range(
    graph: FakeGraphApi, sender: WhatsAppSender
) -> None:
    sender.send(outgoing("How satisfied are you?", choices=scale(1, 5)))
    [body] = graph.sent
    interactive = body["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == "1–5"
    [section] = interactive["action"]["sections"]
    assert [row["id"] for row in section["rows"]] == ["1", "2", "3", "4", "5"]


def test_a_ten_row_list_is_the_most_a_list_holds(graph: FakeGraphApi, sender: WhatsAppSender) -> None:
    sender.send(outgoing("Effort?", choices=scale(1, 10)))
    [body] = graph.sent
    rows = [row for section in body["interactive"]["action"]["sections"] for row in section["rows"]]
    assert len(rows) == 10


def test_nps_zero_to_ten_does_not_fit_a_list_and_goes_as_numbered_text(
    graph: FakeGraphApi, sender: WhatsAppSender
) -> None:
    sender.send(outgoing("How likely are you to recommend us?", choices=scale(0, 10)))
    [body] = graph.sent
    assert body["type"] == "text"
    assert body["text"]["body"] == "How likely are you to recommend us? (0–10)"


def test_word_choices_too_long_for_buttons_go_as_numbered_text(
    graph: FakeGraphApi, sender: WhatsAppSender
) -> None:
    choices = (Choice("a", "Delivery was late by days"), Choice("b", "Other"))
    sender.send(outgoing("What went wrong?", choices=choices))
    [body] = graph.sent
    assert body["type"] == "text"
    assert body["text"]["body"] == "What went wrong?\n1. Delivery was late by days\n2. Other"


def test_a_template_is_sent_with_its_language_and_body_parameters(
    graph: FakeGraphApi, sender: WhatsAppSender
) -> None:
    template = Template(name="feedback_request", language="en_US", parameters=("Sheena",))
    sender.send(outgoing(template=template))
    [body] = graph.sent
    assert body["type"] == "template"
    assert body["template"] == {
        "name": "feedback_request",
        "language": {"code": "en_US"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Sheena"}]}],
    }


@pytest.mark.parametrize(
    ("failure", "code", "retry_after"),
    [
        ("rate_limit", "130429", 5.0),
        ("pair_rate_limit", "131056", 6.0),
        ("service_unavailable", "131016", 5.0),
    ],
)
def test_rate_limits_and_service_errors_are_retried_after_a_pause(
    graph: FakeGraphApi, sender: WhatsAppSender, failure: str, code: str, retry_after: float
) -> None:
    graph.fail_next(failure)
    with pytest.raises(SendError) as raised:
        sender.send(outgoing())
    error = raised.value
    assert (error.code, error.permanent, error.needs_template) == (code, False, False)
    assert error.retry_after_seconds == retry_after
    sender.send(outgoing())  # the next attempt goes through
    assert len(graph.sent) == 1


def test_outside_the_24_hour_window_a_template_is_needed(graph: FakeGraphApi, sender: WhatsAppSender) -> None:
    graph.fail_next("reengagement")
    with pytest.raises(SendError) as raised:
        sender.send(outgoing())
    assert raised.value.needs_template
    assert raised.value.code == "131047"
    assert "24 hours" in raised.value.reason


@pytest.mark.parametrize(
    ("failure", "code"), [("undeliverable", "131026"), ("invalid_parameter", "100"), ("token_expired", "190")]
)
def test_other_client_errors_are_permanent_with_their_reason(
    graph: FakeGraphApi, sender: WhatsAppSender, failure: str, code: str
) -> None:
    graph.fail_next(failure)
    with pytest.raises(SendError) as raised:
        sender.send(outgoing())
    assert (raised.value.code, raised.value.permanent, raised.value.needs_template) == (code, True, False)
    assert raised.value.reason.startswith(f"(#{code})")


def test_a_server_error_is_transient(graph: FakeGraphApi, sender: WhatsAppSender) -> None:
    graph.fail_next("http_500")
    with pytest.raises(SendError) as raised:
        sender.send(outgoing())
    assert not raised.value.permanent
    assert raised.value.retry_after_seconds


def test_a_timeout_is_transient_and_bounded_by_the_client_timeout(
    graph: FakeGraphApi, sender: WhatsAppSender
) -> None:
    graph.fail_next("timeout")
    started = time.perf_counter()
    with pytest.raises(SendError) as raised:
        sender.send(outgoing())
    assert time.perf_counter() - started < 3
    assert (raised.value.code, raised.value.permanent) == ("timeout", False)


def test_an_unreachable_api_is_transient() -> None:
    with FakeGraphApi() as fake:
        base_url = fake.base_url
    sender = WhatsAppSender(phone_number_id="1", access_token=SecretStr(TOKEN), base_url=base_url)
    with pytest.raises(SendError) as raised:
        sender.send(outgoing())
    sender.close()
    assert (raised.value.code, raised.value.permanent) == ("connection", False)


def test_failures_are_logged_without_the_token_or_the_text(
    graph: FakeGraphApi, sender: WhatsAppSender, caplog: pytest.LogCaptureFixture
) -> None:
    graph.fail_next("undeliverable")
    with caplog.at_level(logging.DEBUG), pytest.raises(SendError):
        sender.send(outgoing("my card number is 4111 1111 1111 1111"))
    assert "131026" in caplog.text
    assert TOKEN not in caplog.text
    assert "4111 1111" not in caplog.text  # not "4111" alone: a random port may hold it


def test_the_settings_build_a_sender_for_the_configured_number(graph: FakeGraphApi) -> None:
    settings = Settings(
        whatsapp_phone_number_id="777",
        whatsapp_access_token=SecretStr(TOKEN),
        whatsapp_api_base_url=graph.base_url,
        whatsapp_api_version="v22.0",
    )
    sender = build_sender(settings)
    sender.send(outgoing())
    sender.close()
    assert graph.received[0].path == "/v22.0/777/messages"


def test_the_senders_registry_builds_whatsapp_only_when_configured(graph: FakeGraphApi) -> None:
    assert Channel.WHATSAPP not in build_senders(Settings())
    configured = Settings(
        whatsapp_phone_number_id="777",
        whatsapp_access_token=SecretStr(TOKEN),
        whatsapp_api_base_url=graph.base_url,
    )
    sender = build_senders(configured)[Channel.WHATSAPP]
    assert isinstance(sender, WhatsAppSender)
    sender.close()
