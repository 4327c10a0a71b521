"""The WhatsApp webhook route through the real app: handshake, signature, malformed bodies, and
deliveries stored once with their messages answered on the queue."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from askwhy import conversations
from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import WebhookEvent
from askwhy.channels.whatsapp.sender import WhatsAppSender
from askwhy.clock import FakeClock
from askwhy.conversations import inbound
from askwhy.domain.conversation import Channel
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.dead_letters import DeadLetter
from askwhy.store.tables import Conversation, Message
from tests.channels import whatsapp_deliveries as wa
from tests.fakes.graph_api import FakeGraphApi

VERIFY_TOKEN = "meatyhamhock"
ACCESS_TOKEN = "EAAG-test-token"


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi(access_token=ACCESS_TOKEN) as fake:
        yield fake


@pytest.fixture
def whatsapp_settings(settings: Settings, graph: FakeGraphApi) -> Settings:
    return settings.model_copy(
        update={
            "whatsapp_phone_number_id": wa.BUSINESS_NUMBER_ID,
            "whatsapp_access_token": SecretStr(ACCESS_TOKEN),
            "whatsapp_app_secret": SecretStr(wa.APP_SECRET),
            "whatsapp_verify_token": SecretStr(VERIFY_TOKEN),
            "whatsapp_api_base_url": graph.base_url,
        }
    )


@pytest.fixture
def whatsapp(whatsapp_settings: Settings, clock: FakeClock) -> Iterator[Container]:
    sender = WhatsAppSender(
        phone_number_id=wa.BUSINESS_NUMBER_ID,
        access_token=SecretStr(ACCESS_TOKEN),
        base_url=whatsapp_settings.whatsapp_api_base_url,
        timeout_seconds=2,
    )
    built = bootstrap(whatsapp_settings, clock=clock, senders={Channel.WHATSAPP: sender})
    yield built
    built.close()
    sender.close()


@pytest.fixture
def app(whatsapp: Container) -> Iterator[TestClient]:
    with TestClient(create_app(whatsapp)) as test_client:
        yield test_client


def post(client: TestClient, body: bytes, *, secret: str = wa.APP_SECRET, signed: bool = True) -> int:
    headers = wa.headers(body, secret) if signed else {"Content-Type": "application/json"}
    return client.post("/webhooks/whatsapp", content=body, headers=headers).status_code


def stored_inbound(container: Container) -> list[Message]:
    with container.sessions() as session:
        query = select(Message).where(Message.direction == "in").order_by(Message.id)
        return list(session.scalars(query))


def invite(container: Container, *phones: str, program: str = "post-checkout") -> list[str]:
    """Invited WhatsApp conversations for these numbers; their openings go out through the fake."""
    ids = []
    for phone in phones:
        with container.sessions.begin() as session:
            reply = conversations.start_conversation(
                session=session,
                guide=container.guides[program],
                program=program,
                channel=Channel.WHATSAPP,
                channel_address=f"+{phone}",
                now=container.clock.now(),
            )
        ids.append(reply.conversation_id)
    return ids


def test_handshake_echoes_the_challenge_as_plain_text(app: TestClient) -> None:
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN}
    response = app.get("/webhooks/whatsapp", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "not-ours"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": VERIFY_TOKEN},
    ],
)
def test_handshake_with_a_wrong_token_or_mode_is_forbidden(app: TestClient, params: dict[str, str]) -> None:
    assert app.get("/webhooks/whatsapp", params=params).status_code == 403


def test_without_a_verify_token_configured_the_handshake_fails(client: TestClient) -> None:
    params = {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": ""}
    assert client.get("/webhooks/whatsapp", params=params).status_code == 403


def test_without_an_app_secret_deliveries_are_refused(client: TestClient) -> None:
    body = wa.encode(wa.delivery(wa.value(messages=[wa.text("9")])))
    response = client.post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
    assert response.status_code == 404
    assert "ASKWHY_WHATSAPP_APP_SECRET" in response.json()["detail"]


def test_unsigned_and_badly_signed_deliveries_store_nothing(app: TestClient, whatsapp: Container) -> None:
    invite(whatsapp, "16505551234")
    body = wa.encode(wa.delivery(wa.value(messages=[wa.text("9", sender="16505551234")])))
    assert post(app, body, signed=False) == 401
    assert post(app, body, secret="someone-else's-secret") == 403
    tampered = body.replace(b'"9"', b'"0"')
    response = app.post("/webhooks/whatsapp", content=tampered, headers=wa.headers(body))
    assert response.status_code == 403
    assert stored_inbound(whatsapp) == []


def test_malformed_json_is_a_clear_400_and_stores_nothing(app: TestClient, whatsapp: Container) -> None:
    body = b'{"object": "whatsapp_business_account", "entry": [ {'
    response = app.post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]
    assert stored_inbound(whatsapp) == []


def test_every_message_of_a_two_entry_delivery_is_stored_and_answered(
    app: TestClient, whatsapp: Container, graph: FakeGraphApi
) -> None:
    phones = ["447700900001", "447700900002", "447700900003", "4915112345678", "5511987654321"]
    invite(whatsapp, *phones)
    openings = len(graph.sent)
    assert openings == len(phones)
    first = wa.value(
        messages=[
            wa.text("9", sender=phones[0]),
            wa.text("6", sender=phones[1]),
            wa.text("10!!!", sender=phones[2]),
        ],
        statuses=[wa.status(graph.received[0].body["biz_opaque_callback_data"], "delivered")],
    )
    second = wa.value(messages=[wa.text("a solid 8", sender=phones[3]), wa.text("7", sender=phones[4])])
    body = wa.encode(wa.delivery(first, second, entries=2))
    response = app.post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
    assert response.status_code == 200, response.text
    assert response.json() == {"messages": 5, "statuses": 1}
    assert sorted(m.text for m in stored_inbound(whatsapp)) == sorted(["9", "6", "10!!!", "a solid 8", "7"])
    replies = graph.sent[openings:]
    assert sorted(r["to"] for r in replies) == sorted(phones)


def test_a_retried_delivery_is_stored_and_answered_once(
    app: TestClient, whatsapp: Container, graph: FakeGraphApi
) -> None:
    invite(whatsapp, "16505551234")
    body = wa.encode(
        wa.delivery(wa.value(messages=[wa.text("8", sender="16505551234", message_id="wamid.ONCE")]))
    )
    assert post(app, body) == 200
    replies = len(graph.sent)
    second = app.post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
    assert second.status_code == 200
    assert [m.provider_message_id for m in stored_inbound(whatsapp)] == ["wamid.ONCE"]
    assert len(graph.sent) == replies


def test_reply_button_and_list_choices_reach_the_interviewer(
    app: TestClient, whatsapp: Container, graph: FakeGraphApi
) -> None:
    invite(whatsapp, "16505550001", program="support-call")
    opening = graph.sent[-1]
    assert opening["type"] == "interactive"
    assert opening["interactive"]["type"] == "list"
    row = opening["interactive"]["action"]["sections"][0]["rows"][1]
    tap = wa.list_reply(row["id"], row["title"], sender="16505550001")
    assert post(app, wa.encode(wa.delivery(wa.value(messages=[tap])))) == 200
    [stored] = stored_inbound(whatsapp)
    assert stored.text == row["title"]
    with whatsapp.sessions() as session:
        conversation = session.get(Conversation, stored.conversation_id)
        assert conversation is not None
        assert conversation.state["score"] == int(row["id"])


def test_a_voice_note_is_stored_as_audio_and_the_customer_is_asked_to_type(
    app: TestClient, whatsapp: Container, graph: FakeGraphApi
) -> None:
    invite(whatsapp, "16505550002")
    before = len(graph.sent)
    assert (
        post(app, wa.encode(wa.delivery(wa.value(messages=[wa.voice_note("7788", sender="16505550002")]))))
        == 200
    )
    [stored] = stored_inbound(whatsapp)
    assert (stored.media_type, stored.payload["media_id"]) == ("audio", "7788")
    [reply] = graph.sent[before:]
    assert "type your answer" in reply["text"]["body"]


def test_a_message_from_a_user_id_reaches_a_conversation_addressed_by_it(
    app: TestClient, whatsapp: Container, graph: FakeGraphApi
) -> None:
    with whatsapp.sessions.begin() as session:
        conversations.start_conversation(
            session=session,
            guide=whatsapp.guides["post-checkout"],
            program="post-checkout",
            channel=Channel.WHATSAPP,
            channel_address="US.13491208655302741918",
            now=whatsapp.clock.now(),
        )
    assert graph.sent[-1]["recipient"] == "US.13491208655302741918"
    message = wa.text("9")
    del message["from"]
    message["from_user_id"] = "US.13491208655302741918"
    contact = wa.contact(None, user_id="US.13491208655302741918")
    assert post(app, wa.encode(wa.delivery(wa.value(messages=[message], contacts=[contact])))) == 200
    assert [m.text for m in stored_inbound(whatsapp)] == ["9"]
    assert graph.sent[-1]["recipient"] == "US.13491208655302741918"


def test_statuses_alone_are_accepted_including_unknown_ones(app: TestClient, whatsapp: Container) -> None:
    statuses = [wa.status("wamid.UNKNOWN1", "played"), wa.status("wamid.UNKNOWN2", "some_future_status")]
    body = wa.encode(wa.delivery(wa.value(statuses=statuses)))
    response = app.post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
    assert response.status_code == 200
    assert response.json()["statuses"] == 2
    with whatsapp.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


async def _post_all(application: FastAPI, bodies: list[bytes]) -> list[int]:
    """Post every body at once, as concurrent requests to the app."""
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://askwhy") as client:
        responses = await asyncio.gather(
            *(client.post("/webhooks/whatsapp", content=body, headers=wa.headers(body)) for body in bodies)
        )
    return [response.status_code for response in responses]


def _count_transactions(monkeypatch: pytest.MonkeyPatch, *, failing: str | None = None) -> list[Session]:
    """Record the session each delivery is stored in; fail the delivery with message id ``failing``."""
    sessions: list[Session] = []  # kept alive, so that no two share an id
    accept = inbound.accept_events

    def recording(*, session: Session, events: Sequence[WebhookEvent], **kwargs: Any) -> inbound.Accepted:
        sessions.append(session)
        if any(getattr(event, "provider_message_id", None) == failing for event in events):
            raise ValueError("this delivery cannot be stored")
        return accept(session=session, events=events, **kwargs)

    monkeypatch.setattr(inbound, "accept_events", recording)
    return sessions


def test_deliveries_arriving_together_share_transactions_and_are_all_stored(
    whatsapp: Container, graph: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    phones = [f"4477009{n:05d}" for n in range(20)]
    invite(whatsapp, *phones)
    sessions = _count_transactions(monkeypatch)
    bodies = [wa.encode(wa.delivery(wa.value(messages=[wa.text("9", sender=phone)]))) for phone in phones]
    assert asyncio.run(_post_all(create_app(whatsapp), bodies)) == [200] * 20
    assert len({id(session) for session in sessions}) < 20  # 20 if each had its own transaction
    with whatsapp.sessions() as session:
        query = select(Conversation.channel_address).join(Message).where(Message.direction == "in")
        assert sorted(session.scalars(query)) == [f"+{phone}" for phone in phones]


def test_a_delivery_that_fails_in_a_shared_transaction_fails_alone(
    whatsapp: Container, graph: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    phones = [f"4477009{n:05d}" for n in range(8)]
    invite(whatsapp, *phones)
    _count_transactions(monkeypatch, failing="wamid.BAD")
    bodies = [
        wa.encode(wa.delivery(wa.value(messages=[wa.text("9", sender=phone, message_id=f"wamid.{n}")])))
        for n, phone in enumerate(phones)
    ]
    bodies[3] = wa.encode(
        wa.delivery(wa.value(messages=[wa.text("9", sender=phones[3], message_id="wamid.BAD")]))
    )
    statuses = asyncio.run(_post_all(create_app(whatsapp), bodies))
    assert statuses == [200] * 8, "received: the one that failed is a dead letter (no inbox to retry from)"
    assert sorted(m.provider_message_id for m in stored_inbound(whatsapp)) == sorted(
        f"wamid.{n}" for n in range(8) if n != 3
    )
    with whatsapp.sessions() as session:
        [letter] = session.scalars(select(DeadLetter)).all()
    assert letter.body == bodies[3]
    assert letter.reason == "ValueError: this delivery cannot be stored"
