"""The Twilio SMS, WhatsApp and voice senders against a fake Twilio REST API on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from askwhy.channels.base import OutgoingMessage, SendError
from askwhy.channels.twilio_api import TwilioApi
from askwhy.channels.twilio_sms import TwilioSmsSender
from askwhy.channels.twilio_voice import TwilioVoiceSender
from askwhy.domain.conversation import Channel, Choice
from tests.fakes.twilio_api import FakeTwilioApi

PUBLIC = "https://feedback.example.com"
STATUS_URL = f"{PUBLIC}/webhooks/twilio/status"


@pytest.fixture
def twilio() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi() as fake:
        yield fake


@pytest.fixture
def api(twilio: FakeTwilioApi) -> Iterator[TwilioApi]:
    client = TwilioApi(
        account_sid=twilio.account_sid,
        auth_token=SecretStr(twilio.auth_token),
        base_url=twilio.base_url,
        timeout_seconds=0.5,
    )
    yield client
    client.close()


@pytest.fixture
def sms(api: TwilioApi) -> TwilioSmsSender:
    return TwilioSmsSender(api=api, status_callback_url=STATUS_URL, from_number="+15558675310")


def message(text: str = "How likely are you to recommend us?", **changes: object) -> OutgoingMessage:
    fields: dict[str, object] = {
        "to": "+14017122661",
        "text": text,
        "idempotency_key": "key-1",
        "conversation_id": "conv-1",
    }
    fields.update(changes)
    return OutgoingMessage(**fields)  # type: ignore[arg-type]


def test_an_sms_is_created_with_its_status_callback_carrying_the_idempotency_key(
    sms: TwilioSmsSender, twilio: FakeTwilioApi
) -> None:
    result = sms.send(message())
    [form] = twilio.accepted("Messages")
    assert result.provider_message_id.startswith("SM")
    assert form["To"] == "+14017122661"
    assert form["From"] == "+15558675310"
    assert form["Body"] == "How likely are you to recommend us?"
    callback = urlsplit(form["StatusCallback"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == STATUS_URL
    assert parse_qs(callback.query) == {"key": ["key-1"]}


def test_choices_are_sent_as_numbered_text(sms: TwilioSmsSender, twilio: FakeTwilioApi) -> None:
    scores = tuple(Choice(str(n), str(n)) for n in range(11))
    sms.send(message("How likely?", choices=scores))
    yes_no = (Choice("yes", "Yes, please"), Choice("no", "No, thanks"))
    sms.send(message("May we call you?", choices=yes_no, idempotency_key="key-2"))
    bodies = [form["Body"] for form in twilio.accepted()]
    assert bodies == ["How likely? (0–10)", "May we call you?\n1. Yes, please\n2. No, thanks"]


def test_a_messaging_service_replaces_the_from_number(api: TwilioApi, twilio: FakeTwilioApi) -> None:
    sender = TwilioSmsSender(api=api, status_callback_url=STATUS_URL, messaging_service_sid="MG" + "1" * 32)
    sender.send(message())
    [form] = twilio.accepted()
    assert form["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in form


def test_whatsapp_through_twilio_prefixes_both_addresses(api: TwilioApi, twilio: FakeTwilioApi) -> None:
    sender = TwilioSmsSender(
        api=api, status_callback_url=STATUS_URL, from_number="whatsapp:+14155238886", channel=Channel.WHATSAPP
    )
    assert sender.channel is Channel.WHATSAPP
    sender.send(message(to="+4915112345678"))
    [form] = twilio.accepted()
    assert (form["To"], form["From"]) == ("whatsapp:+4915112345678", "whatsapp:+14155238886")


@pytest.mark.parametrize("failure", ["rate_limit", "http_500", "timeout"])
def test_rate_limits_server_errors_and_timeouts_are_retried(
    sms: TwilioSmsSender, twilio: FakeTwilioApi, failure: str
) -> None:
    twilio.fail_next(failure)
    with pytest.raises(SendError) as raised:
        sms.send(message())
    assert not raised.value.permanent
    assert raised.value.retry_after_seconds
    assert sms.send(message()).provider_message_id.startswith("SM")


def test_a_rate_limit_waits_at_least_twilios_retry_after(sms: TwilioSmsSender, twilio: FakeTwilioApi) -> None:
    twilio.fail_next("rate_limit")
    with pytest.raises(SendError) as raised:
        sms.send(message())
    assert raised.value.code == "20429"
    assert raised.value.retry_after_seconds == 2.0


def test_an_unsubscribed_recipient_is_permanent_and_an_opt_out(
    sms: TwilioSmsSender, twilio: FakeTwilioApi
) -> None:
    twilio.fail_next("unsubscribed")
    with pytest.raises(SendError) as raised:
        sms.send(message())
    error = raised.value
    assert (error.permanent, error.recipient_opted_out, error.code) == (True, True, "21610")
    assert "unsubscribed" in error.reason


def test_other_client_errors_are_permanent_with_twilios_reason(
    sms: TwilioSmsSender, twilio: FakeTwilioApi
) -> None:
    twilio.fail_next("invalid_to")
    with pytest.raises(SendError) as raised:
        sms.send(message())
    assert raised.value.permanent
    assert not raised.value.recipient_opted_out
    assert raised.value.code == "21211"
    assert "not a valid phone number" in raised.value.reason


def test_wrong_credentials_are_refused(twilio: FakeTwilioApi) -> None:
    api = TwilioApi(account_sid=twilio.account_sid, auth_token=SecretStr("nope"), base_url=twilio.base_url)
    sender = TwilioSmsSender(api=api, status_callback_url=STATUS_URL, from_number="+15558675310")
    with pytest.raises(SendError) as raised:
        sender.send(message())
    assert (raised.value.code, raised.value.permanent) == ("20003", True)
    api.close()


def test_an_unreachable_api_is_retried() -> None:
    with FakeTwilioApi() as fake:
        base_url = fake.base_url
    api = TwilioApi(account_sid="AC1", auth_token=SecretStr("t"), base_url=base_url, timeout_seconds=0.5)
    sender = TwilioSmsSender(api=api, status_callback_url=STATUS_URL, from_number="+15558675310")
    with pytest.raises(SendError) as raised:
        sender.send(message())
    assert raised.value.code == "connection"
    assert not raised.value.permanent
    api.close()


def test_an_invitation_call_points_twilio_at_the_voice_webhook(api: TwilioApi, twilio: FakeTwilioApi) -> None:
    sender = TwilioVoiceSender(api=api, from_number="+15558675310", base_url=PUBLIC + "/")
    result = sender.send(message(idempotency_key="call-key"))
    [form] = twilio.accepted("Calls")
    assert result.provider_message_id.startswith("CA")
    assert (form["To"], form["From"], form["Method"]) == ("+14017122661", "+15558675310", "POST")
    assert form["Url"] == f"{PUBLIC}/webhooks/twilio/voice?conversation=conv-1"
    callback = urlsplit(form["StatusCallback"])
    assert callback.path == "/webhooks/twilio/voice/status"
    assert parse_qs(callback.query) == {"conversation": ["conv-1"], "key": ["call-key"]}


def test_a_call_without_its_conversation_is_refused(api: TwilioApi, twilio: FakeTwilioApi) -> None:
    sender = TwilioVoiceSender(api=api, from_number="+15558675310", base_url=PUBLIC)
    with pytest.raises(SendError) as raised:
        sender.send(message(conversation_id=None))
    assert raised.value.permanent
    assert twilio.received == []
