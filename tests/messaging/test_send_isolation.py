"""A provider that hangs slows only its own sends: on the real queue with its threads, inbound
deliveries are still stored and the interviewer's turns still run while every send hangs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import OutgoingMessage, SendResult
from askwhy.conversations import start_conversation
from askwhy.domain.conversation import Channel
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.tables import Message
from tests.channels import whatsapp_deliveries as wa

ANSWERING, WAITING = "447700900201", "447700900202"


class HangingSender:
    """A provider that holds every send open until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.hanging: list[str] = []

    def send(self, message: OutgoingMessage) -> SendResult:
        self.hanging.append(message.to)
        self.release.wait(120)
        return SendResult(provider_message_id=f"wamid.{message.idempotency_key}")


def wait_for(condition: Callable[[], object], *, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def provider() -> HangingSender:
    return HangingSender()


@pytest.fixture
def container(settings: Settings, provider: HangingSender) -> Iterator[Container]:
    queued = settings.model_copy(
        update={
            "queue_inline": False,
            "whatsapp_phone_number_id": wa.BUSINESS_NUMBER_ID,
            "whatsapp_app_secret": SecretStr(wa.APP_SECRET),
        }
    )
    built = bootstrap(queued, senders={Channel.WHATSAPP: provider})
    consumer = built.jobs.consumer(workers=2)
    consumer.start()
    try:
        yield built
    finally:
        provider.release.set()
        consumer.stop(graceful=True)
        built.close()


def invite(container: Container, phone: str) -> str:
    with container.sessions.begin() as session:
        reply = start_conversation(
            session=session, guide=container.guides["post-checkout"], program="post-checkout",
            channel=Channel.WHATSAPP, channel_address=f"+{phone}", now=container.clock.now(),
        )  # fmt: skip
    return reply.conversation_id


def messages_of(container: Container, conversation_id: str, direction: str) -> list[str]:
    with container.reads.begin() as session:
        query = select(Message.text).where(
            Message.conversation_id == conversation_id, Message.direction == direction
        )
        return list(session.scalars(query))


def test_inbound_messages_are_stored_and_answered_while_the_provider_hangs(
    container: Container, provider: HangingSender
) -> None:
    answering = invite(container, ANSWERING)
    wait_for(lambda: provider.hanging, what="the first invitation's send to hang")
    invite(container, WAITING)  # a second send run, which must not take another thread
    wait_for(lambda: container.jobs.huey.pending_count() == 0, what="the queue to take its tasks")

    with TestClient(create_app(container)) as client:
        body = wa.encode(wa.delivery(wa.value(messages=[wa.text("9", sender=ANSWERING)])))
        response = client.post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
        assert response.status_code == 200, response.text

    wait_for(lambda: "9" in messages_of(container, answering, "in"), what="the answer to be stored")
    wait_for(lambda: len(messages_of(container, answering, "out")) >= 2, what="the turn's reply")
    assert not provider.release.is_set()
    assert provider.hanging == [f"+{ANSWERING}"], "only the first send run holds a thread"
