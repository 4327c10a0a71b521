"""No input hurts the server: hostile bodies on every webhook and web chat route end in 4xx, never
5xx, and the server answers a valid message normally afterwards, with what it stored intact.

The fuzz run here is the short one (`FUZZ_BODIES` per route); ``python -m bench.hostile_input``
sends 5,000 per route. Bodies are signed where the route needs it, so they reach the parsers."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import RecordingSender, Sender
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.tables import Conversation, Message
from tests.channels import twilio_forms
from tests.channels import whatsapp_deliveries as wa
from tests.invitations import invite_customer
from tests.service import fuzzed_routes

FUZZ_BODIES = int(os.environ.get("ASKWHY_TEST_FUZZ_BODIES", "240"))
"""Bodies per route: 20 of each kind of damage."""
SEED = 20261207
UNLIMITED = "1000000/minute"


def hostile_settings(settings: Settings) -> Settings:
    """WhatsApp and Twilio webhooks verifiable, rate limits out of the way of the fuzz."""
    return settings.model_copy(
        update={
            "whatsapp_app_secret": SecretStr(wa.APP_SECRET),
            "public_base_url": twilio_forms.PUBLIC,
            "twilio_account_sid": twilio_forms.ACCOUNT,
            "twilio_auth_token": SecretStr(twilio_forms.TOKEN),
            "twilio_sms_from": twilio_forms.BUSINESS,
            "twilio_voice_from": twilio_forms.BUSINESS,
            "rate_limit_conversation_starts": UNLIMITED,
            "rate_limit_chat_messages_per_conversation": UNLIMITED,
            "rate_limit_chat_requests_per_address": UNLIMITED,
        }
    )


@pytest.fixture
def senders() -> dict[Channel, RecordingSender]:
    return {channel: RecordingSender(channel) for channel in (Channel.WHATSAPP, Channel.SMS, Channel.VOICE)}


@pytest.fixture
def hostile(settings: Settings, clock: FakeClock, senders: dict[Channel, Sender]) -> Iterator[Container]:
    built = bootstrap(
        hostile_settings(settings), clock=clock, senders=dict(senders), embedder=HashingEmbedder()
    )
    yield built
    built.close()


@pytest.fixture
def app(hostile: Container) -> Iterator[TestClient]:
    with TestClient(create_app(hostile), raise_server_exceptions=False) as client:
        yield client


def _post(client: TestClient) -> fuzzed_routes.Post:
    def post(path: str, body: bytes, headers: dict[str, str]) -> int:
        return client.post(path, content=body, headers=headers).status_code

    return post


def _started(app: TestClient) -> tuple[str, str]:
    response = app.post("/v1/conversations", json={"program": "post-checkout", "language": "en"})
    assert response.status_code == 201, response.text
    return response.json()["conversation_id"], response.json()["token"]


def _stored_texts(container: Container) -> list[str]:
    with container.sessions() as session:
        return list(session.scalars(select(Message.text)))


def test_hostile_bodies_on_every_webhook_and_chat_route_get_no_5xx_and_the_server_answers_after(
    app: TestClient, hostile: Container, senders: dict[Channel, RecordingSender]
) -> None:
    whatsapp_customer, sms_customer = "+447700900111", "+447700900222"
    invite_customer(hostile, phone=whatsapp_customer, channel=Channel.WHATSAPP)
    invite_customer(hostile, phone=sms_customer, channel=Channel.SMS)
    voice_conversation = invite_customer(hostile, phone=twilio_forms.CUSTOMER, channel=Channel.VOICE)
    chat, token = _started(app)
    before = app.get(f"/v1/conversations/{chat}", headers={"Authorization": f"Bearer {token}"}).json()

    failures: dict[str, Counter[tuple[str, int]]] = {}
    for route in fuzzed_routes.routes(
        chat_conversation=chat, chat_token=token, voice_conversation=voice_conversation
    ):
        outcomes = fuzzed_routes.fuzz(_post(app), route, count=FUZZ_BODIES, seed=SEED)
        assert sum(outcomes.values()) == FUZZ_BODIES
        server_errors = Counter({key: n for key, n in outcomes.items() if key[1] >= 500})
        if server_errors:
            failures[route.name] = server_errors
        # Signed, bodies reach the parsers; only forms of more than 256 parameters never match.
        refused = sum(n for (_, status), n in outcomes.items() if status in (401, 403))
        assert refused <= FUZZ_BODIES // 10 + 2, f"{route.name}: {refused} bodies never reached the parser"
    assert failures == {}

    assert app.get("/healthz").status_code == 200
    # A valid WhatsApp message and SMS are stored and answered, as before the fuzz.
    delivery = wa.encode(wa.delivery(wa.value(messages=[wa.text("9", sender=whatsapp_customer[1:])])))
    assert app.post("/webhooks/whatsapp", content=delivery, headers=wa.headers(delivery)).status_code == 200
    assert any(sent.to == whatsapp_customer for sent in senders[Channel.WHATSAPP].sent)
    form = twilio_forms.sms_form("9", sender=sms_customer)
    assert twilio_forms.post(app, "/webhooks/twilio/sms", form).status_code == 200
    assert any(sent.to == sms_customer for sent in senders[Channel.SMS].sent)
    with hostile.sessions() as session:
        answered = session.scalars(
            select(Message.text)
            .join(Conversation)
            .where(
                Conversation.channel_address.in_([whatsapp_customer, sms_customer]), Message.direction == "in"
            )
        ).all()
    assert sorted(answered) == ["9", "9"]
    # The web chat still answers, and what it held before is unchanged.
    headers = {"Authorization": f"Bearer {token}"}
    after = app.get(f"/v1/conversations/{chat}", headers=headers).json()
    assert after["messages"][: len(before["messages"])] == before["messages"]
    fresh, fresh_token = _started(app)
    reply = app.post(
        f"/v1/conversations/{fresh}/messages",
        json={"text": "9"},
        headers={"Authorization": f"Bearer {fresh_token}"},
    )
    assert reply.status_code == 200, reply.text
    # Nothing stored holds what a database cannot keep.
    for text in _stored_texts(hostile):
        assert "\x00" not in text
        text.encode("utf-8")


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (b'{"program": "post-checkout", "x": ' + b"[" * 40 + b"]" * 40 + b"}", "x", "nested deeper than 32"),
        (b"[" * 5000 + b"]" * 5000, "body", "nested deeper than 32"),
        (b'{"program": "post-checkout\\ud83d"}', "program", "lone surrogate or a NUL"),
        (b'{"program": "post\\u0000checkout"}', "program", "lone surrogate or a NUL"),
        (b'{"program": "post-checkout", "language": NaN}', "body", "NaN is not a JSON number"),
        (b'{"program": "post-checkout", "n": 1e999}', "n", "number out of range"),
        (b'{"program": "post-checkout", "n": 1' + b"0" * 5000 + b"}", "body", "integer out of range"),
        (b'{"program": "post-checkout", "n": 18446744073709551616}', "n", "integer out of range"),
        (b'{"program": "post-checkout"', "body", "not valid JSON"),
        (b'{"program": "post-\xff-checkout"}', "body", "not UTF-8"),
    ],
)
def test_a_hostile_json_body_is_a_400_naming_the_field(
    app: TestClient, body: bytes, field: str, says: str
) -> None:
    response = app.post("/v1/conversations", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    content: dict[str, Any] = response.json()
    assert says in content["detail"]
    assert content["errors"][0]["field"] == field


def test_a_lone_surrogate_in_a_chat_message_is_refused_and_nothing_is_stored(
    app: TestClient, hostile: Container
) -> None:
    chat, token = _started(app)
    stored = len(_stored_texts(hostile))
    body = b'{"text": "nine \\ud83d"}'
    response = app.post(
        f"/v1/conversations/{chat}/messages",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "text", "message": "string holds a lone surrogate or a NUL character"}
    ]
    assert len(_stored_texts(hostile)) == stored


def test_a_valid_json_body_passes_the_guard_unchanged(app: TestClient) -> None:
    body = json.dumps(
        {"program": "post-checkout", "language": "en", "note": "caf\u00e9 \U0001f600"}, ensure_ascii=False
    )
    response = app.post(
        "/v1/conversations", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text


def test_a_whatsapp_delivery_with_a_poison_message_stores_the_valid_one_beside_it(
    app: TestClient, hostile: Container, senders: dict[Channel, RecordingSender]
) -> None:
    customer = "+447700900333"
    invite_customer(hostile, phone=customer, channel=Channel.WHATSAPP)
    poison = wa.text("\ud83d", sender=customer[1:], message_id="wamid.poison")
    poison["timestamp"] = "253402300799"
    good = wa.text("9", sender=customer[1:], message_id="wamid.good")
    delivery = wa.encode(wa.delivery(wa.value(messages=[poison, good])))
    response = app.post("/webhooks/whatsapp", content=delivery, headers=wa.headers(delivery))
    assert response.status_code == 200
    with hostile.sessions() as session:
        stored = session.scalars(select(Message.provider_message_id).where(Message.direction == "in")).all()
    assert stored == ["wamid.good"]
    assert any(sent.to == customer for sent in senders[Channel.WHATSAPP].sent)


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"MessageSid": "SM" + "0" * 300}, "MessageSid is longer than 200"),
        ({"From": "+1" + "5" * 80}, "From is longer than 64"),
        ({"Body": "x" * 5000}, "Body is longer than 4096"),
    ],
)
def test_a_twilio_message_with_values_longer_than_the_store_keeps_is_a_400(
    app: TestClient, extra: dict[str, str], says: str
) -> None:
    form = twilio_forms.sms_form("9", **extra)
    if "MessageSid" in extra:
        form["SmsMessageSid"] = form["SmsSid"] = extra["MessageSid"]
    response = twilio_forms.post(app, "/webhooks/twilio/sms", form)
    assert response.status_code == 400
    assert says in response.json()["detail"]


def test_a_nul_in_a_twilio_message_is_replaced_before_it_is_stored(
    app: TestClient, hostile: Container
) -> None:
    customer = "+447700900444"
    invite_customer(hostile, phone=customer, channel=Channel.SMS)
    assert (
        twilio_forms.post(
            app, "/webhooks/twilio/sms", twilio_forms.sms_form("ni\x00ne", sender=customer)
        ).status_code
        == 200
    )
    with hostile.sessions() as session:
        assert session.scalars(select(Message.text).where(Message.direction == "in")).all() == ["ni\ufffdne"]


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/twilio/voice?conversation=%00",
        "/webhooks/twilio/voice/gather?conversation=a%00b&turn=1",
        "/v1/conversations/%00/messages",
    ],
)
def test_a_nul_in_a_path_or_query_is_a_400_before_any_query(app: TestClient, path: str) -> None:
    form = twilio_forms.call_form("CA" + "1" * 32, status="completed", outbound=True)
    response = twilio_forms.post(app, path, form)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize("content_type", ["application/json\xa0", "text/plain", "application/x-json"])
def test_a_json_body_under_any_content_type_is_checked_like_json(
    client: TestClient, content_type: str
) -> None:
    started = client.post("/v1/conversations", json={"program": "post-checkout"}).json()
    response = client.post(
        f"/v1/conversations/{started['conversation_id']}/messages",
        content=b'{"text": "my answer \\u0000 here"}',
        headers={
            "Content-Type": content_type.encode("latin-1"),
            "Authorization": f"Bearer {started['token']}",
        },
    )
    assert response.status_code in {400, 415, 422}, response.text


def test_database_errors_never_carry_the_statements_parameters(container: Container) -> None:
    assert container.engine.hide_parameters
