"""Twilio SMS (and WhatsApp through Twilio) webhooks through the real app, behind a proxy.

Signatures are checked against the public base URL; messages are stored once; the standard
keywords are recorded without a second confirmation; status callbacks reach their messages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.conversations.webhook_storing import store_kept
from askwhy.domain.conversation import Channel
from askwhy.service.app import create_app
from askwhy.store.inbox import deliveries
from askwhy.store.messaging_tables import Consent
from askwhy.store.tables import Contact, Conversation, Message
from tests.channels.twilio_forms import (
    CUSTOMER,
    PUBLIC,
    post,
    sid,
    sms_form,
    status_form,
)
from tests.fakes.twilio_api import FakeTwilioApi
from tests.invitations import invite_customer


@pytest.fixture
def app(twilio_app: TestClient) -> TestClient:
    """The app as Twilio reaches it through a proxy (see conftest)."""
    return twilio_app


def invite(container: Container, *, channel: Channel = Channel.SMS, phone: str = CUSTOMER) -> str:
    """An invited conversation with a known customer; its opening goes out through the fake API."""
    return invite_customer(container, phone=phone, channel=channel)


def inbound(container: Container) -> list[Message]:
    with container.sessions() as session:
        return list(session.scalars(select(Message).where(Message.direction == "in").order_by(Message.id)))


def conversation(container: Container, conversation_id: str) -> Conversation:
    with container.sessions() as session:
        found = session.get(Conversation, conversation_id)
        assert found is not None
        return found


def contact_of(container: Container, conversation_id: str) -> Contact:
    with container.sessions() as session:
        found = session.get(Contact, conversation(container, conversation_id).contact_id)
        assert found is not None
        return found


def consents(container: Container) -> list[tuple[str, bool, str]]:
    with container.sessions() as session:
        rows = session.scalars(select(Consent).order_by(Consent.id))
        return [(row.channel, row.granted, row.source) for row in rows]


def test_a_message_is_stored_once_and_answered_with_empty_twiml(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    invite(twilio_container)
    assert len(twilio.accepted()) == 1
    form = sms_form("9")
    response = post(app, "/webhooks/twilio/sms", form)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response />")
    assert post(app, "/webhooks/twilio/sms", form).status_code == 200
    assert [(m.text, m.provider_message_id) for m in inbound(twilio_container)] == [("9", form["MessageSid"])]
    replies = twilio.accepted()[1:]
    assert len(replies) == 1, "the retried webhook got no second reply"
    assert replies[0]["To"] == CUSTOMER


def test_the_signature_is_checked_against_the_public_url_not_the_host(
    app: TestClient, twilio_container: Container
) -> None:
    invite(twilio_container)
    form = sms_form("9")
    as_seen_by_the_app = "http://askwhy-internal:8000/webhooks/twilio/sms"
    assert post(app, "/webhooks/twilio/sms", form, signed_url=as_seen_by_the_app).status_code == 403
    assert post(app, "/webhooks/twilio/sms", form, token="someone-else").status_code == 403
    unsigned = app.post("/webhooks/twilio/sms", data=form)
    assert unsigned.status_code == 403
    assert inbound(twilio_container) == []
    assert post(app, "/webhooks/twilio/sms", form).status_code == 200
    assert len(inbound(twilio_container)) == 1


def test_a_tampered_body_is_refused(app: TestClient, twilio_container: Container) -> None:
    invite(twilio_container)
    form = sms_form("0")
    response = post(app, "/webhooks/twilio/sms", form)
    assert response.status_code == 200
    signature = response.request.headers["X-Twilio-Signature"]
    tampered = {**form, "Body": "10", "MessageSid": sid("SM")}
    headers = {"X-Twilio-Signature": signature}
    assert app.post("/webhooks/twilio/sms", data=tampered, headers=headers).status_code == 403
    assert [m.text for m in inbound(twilio_container)] == ["0"]


def test_without_twilio_configured_webhooks_are_404(client: TestClient) -> None:
    response = client.post("/webhooks/twilio/sms", data=sms_form("9"))
    assert response.status_code == 404
    assert "ASKWHY_TWILIO_AUTH_TOKEN" in response.json()["detail"]


def test_a_form_without_message_sid_is_a_clear_400(app: TestClient, twilio_container: Container) -> None:
    form = sms_form("9")
    for name in ("MessageSid", "SmsSid", "SmsMessageSid"):
        del form[name]
    response = post(app, "/webhooks/twilio/sms", form)
    assert response.status_code == 400
    assert "MessageSid" in response.json()["detail"]


@pytest.mark.parametrize("keyword", ["STOP", "stop", " Revoke ", "STOPALL"])
def test_stop_opts_out_without_a_second_confirmation(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi, keyword: str
) -> None:
    conversation_id = invite(twilio_container)
    assert post(app, "/webhooks/twilio/sms", sms_form(keyword)).status_code == 200
    assert conversation(twilio_container, conversation_id).status == "opted_out"
    assert contact_of(twilio_container, conversation_id).opted_out_at is not None
    assert consents(twilio_container) == [("sms", False, "keyword:sms")]
    assert len(twilio.accepted()) == 1, "only the invitation was ever sent"
    with twilio_container.sessions() as session:
        outbound = session.scalars(select(Message).where(Message.direction == "out")).all()
        assert [m.seq for m in outbound] == [1]
    [stop] = inbound(twilio_container)
    assert stop.processed_at is not None


def test_twilios_opt_out_type_names_custom_keywords(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    conversation_id = invite(twilio_container)
    assert post(app, "/webhooks/twilio/sms", sms_form("ARRET", OptOutType="STOP")).status_code == 200
    assert conversation(twilio_container, conversation_id).status == "opted_out"
    assert len(twilio.accepted()) == 1


def test_start_after_stop_resubscribes_quietly(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    conversation_id = invite(twilio_container)
    post(app, "/webhooks/twilio/sms", sms_form("STOP"))
    assert post(app, "/webhooks/twilio/sms", sms_form("start")).status_code == 200
    assert contact_of(twilio_container, conversation_id).opted_out_at is None
    assert consents(twilio_container) == [("sms", False, "keyword:sms"), ("sms", True, "keyword:sms")]
    assert len(twilio.accepted()) == 1
    assert conversation(twilio_container, conversation_id).status == "opted_out"


def test_help_is_left_to_twilio(app: TestClient, twilio_container: Container, twilio: FakeTwilioApi) -> None:
    conversation_id = invite(twilio_container)
    assert post(app, "/webhooks/twilio/sms", sms_form("HELP")).status_code == 200
    assert len(twilio.accepted()) == 1
    assert conversation(twilio_container, conversation_id).status == "active"
    assert consents(twilio_container) == []


def test_yes_while_subscribed_is_an_answer_for_the_interviewer(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    invite(twilio_container)
    post(app, "/webhooks/twilio/sms", sms_form("YES"))
    assert len(twilio.accepted()) == 2, "the interviewer answered"
    assert consents(twilio_container) == []


def test_a_picture_is_stored_as_media_and_the_customer_is_asked_to_type(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    invite(twilio_container)
    media = {"NumMedia": "1", "MediaContentType0": "image/jpeg", "MediaUrl0": "https://api.twilio.com/m/1"}
    assert post(app, "/webhooks/twilio/sms", sms_form("", **media)).status_code == 200
    [stored] = inbound(twilio_container)
    assert stored.media_type == "image"
    assert len(twilio.accepted()) == 2


def test_whatsapp_through_twilio_reaches_the_whatsapp_conversation_with_its_button_payload(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    conversation_id = invite(twilio_container, channel=Channel.WHATSAPP)
    assert twilio.accepted()[0]["To"] == f"whatsapp:{CUSTOMER}"
    form = sms_form("", sender=f"whatsapp:{CUSTOMER}", To="whatsapp:+15558675310", ProfileName="Ana")
    form |= {"ButtonPayload": "9", "ButtonText": "9", "WaId": CUSTOMER.removeprefix("+")}
    assert post(app, "/webhooks/twilio/sms", form).status_code == 200
    [stored] = inbound(twilio_container)
    assert (stored.channel, stored.text) == ("whatsapp", "9")
    assert conversation(twilio_container, conversation_id).state["score"] == 9
    assert twilio.accepted()[-1]["To"] == f"whatsapp:{CUSTOMER}"


def test_whatsapp_stop_is_answered_by_askwhy_since_twilio_does_not(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    conversation_id = invite(twilio_container, channel=Channel.WHATSAPP)
    post(app, "/webhooks/twilio/sms", sms_form("STOP", sender=f"whatsapp:{CUSTOMER}"))
    assert conversation(twilio_container, conversation_id).status == "opted_out"
    assert len(twilio.accepted()) == 2


def _status_path(form: dict[str, str]) -> str:
    callback = urlsplit(form["StatusCallback"])
    assert f"{callback.scheme}://{callback.netloc}" == PUBLIC
    return f"{callback.path}?{callback.query}"


def test_status_callbacks_move_the_message_on(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    conversation_id = invite(twilio_container)
    [sent] = twilio.accepted()
    with twilio_container.sessions() as session:
        opening = session.scalars(select(Message).where(Message.conversation_id == conversation_id)).one()
        message_sid = opening.provider_message_id
    assert message_sid is not None
    path = _status_path(sent)
    assert post(app, path, status_form(message_sid, "sent")).status_code == 200
    assert post(app, path, status_form(message_sid, "delivered")).status_code == 200
    assert post(app, path, status_form(message_sid, "sent")).status_code == 200
    with twilio_container.sessions() as session:
        refreshed = session.get(Message, opening.id)
        assert refreshed is not None
        assert refreshed.status == "delivered"
        assert refreshed.delivered_at is not None


def test_an_undelivered_status_records_twilios_error_code(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    invite(twilio_container)
    [sent] = twilio.accepted()
    with twilio_container.sessions() as session:
        opening = session.scalars(select(Message)).one()
    assert opening.provider_message_id is not None
    form = status_form(opening.provider_message_id, "undelivered", ErrorCode="30003")
    assert post(app, _status_path(sent), form).status_code == 200
    with twilio_container.sessions() as session:
        refreshed = session.get(Message, opening.id)
        assert refreshed is not None
        assert (refreshed.status, refreshed.error_code) == ("failed", "30003")


def test_a_status_finds_its_message_by_the_idempotency_key_alone(
    app: TestClient, twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    invite(twilio_container)
    [sent] = twilio.accepted()
    with twilio_container.sessions.begin() as session:
        opening = session.scalars(select(Message)).one()
        opening.provider_message_id = None  # as if the worker died before recording the send
        opening.status = "sending"
    late_sid = sid("SM")
    assert post(app, _status_path(sent), status_form(late_sid, "delivered")).status_code == 200
    with twilio_container.sessions() as session:
        refreshed = session.get(Message, opening.id)
        assert refreshed is not None
        assert (refreshed.provider_message_id, refreshed.status) == (late_sid, "delivered")


def test_sending_to_a_customer_who_stopped_with_twilio_opts_them_out(
    twilio_container: Container, twilio: FakeTwilioApi
) -> None:
    twilio.fail_next("unsubscribed")
    conversation_id = invite(twilio_container)
    assert twilio.accepted() == []
    assert contact_of(twilio_container, conversation_id).opted_out_at is not None
    assert consents(twilio_container) == [("sms", False, "provider:sms")]
    with twilio_container.sessions() as session:
        opening = session.scalars(select(Message)).one()
        assert (opening.status, opening.error_code) == ("failed", "21610")


def test_with_a_background_queue_messages_and_statuses_take_the_webhook_inbox(
    twilio_container: Container, twilio: FakeTwilioApi, clock: FakeClock
) -> None:
    conversation_id = invite(twilio_container)
    [sent] = twilio.accepted()
    with twilio_container.sessions.begin() as session:
        opening = session.scalars(select(Message)).one()
        opening.provider_message_id = None  # the status can find it by the key in its URL alone
    # Not the deadline under test: on a busy machine the first delivery, which creates the inbox
    # table, could take longer than the 1 s a request waits and be answered 503.
    settings = twilio_container.settings.model_copy(
        update={"queue_inline": False, "request_lock_wait_seconds": 30}
    )
    queued = bootstrap(settings, clock=clock)
    try:
        app = TestClient(create_app(queued), base_url="http://askwhy-internal:8000")
        late_sid = sid("SM")
        assert post(app, "/webhooks/twilio/sms", sms_form("stop")).status_code == 200
        assert post(app, _status_path(sent), status_form(late_sid, "delivered")).status_code == 200
        with queued.inbox.sessions() as session:
            kept = session.execute(select(deliveries).order_by(deliveries.c.id)).all()
        assert [(row.channel, row.query) for row in kept] == [
            ("twilio_sms", ""),
            ("twilio_status", urlsplit(_status_path(sent)).query),
        ]
        assert inbound(twilio_container) == [], "kept, not stored yet"
        assert store_kept(storing=queued.storing, inbox=queued.inbox) == 2
    finally:
        queued.close()
    assert conversation(twilio_container, conversation_id).status == "opted_out", "the keyword is heeded"
    [stop] = inbound(twilio_container)
    assert stop.processed_at is not None
    assert len(twilio.accepted()) == 1, "no reply to a keyword Twilio answered"
    with twilio_container.sessions() as session:
        refreshed = session.get(Message, opening.id)
        assert refreshed is not None
        assert (refreshed.provider_message_id, refreshed.status) == (late_sid, "delivered")
