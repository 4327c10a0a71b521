"""Inbound messages: routed to the customer's conversation, stored once, answered in order, and
STOP / START heard on any channel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.channels.base import InboundEvent
from askwhy.clock import FakeClock
from askwhy.conversations import inbound
from askwhy.domain.conversation import Channel
from askwhy.outbox import delivery
from askwhy.store.messaging_tables import Consent
from askwhy.store.tables import Contact, Conversation, Message

from .conftest import PROGRAM, event, install_programs

PHONE = "+447700900123"


class HeldJobs:
    """Jobs that only remember what was enqueued, so a test decides when the worker runs."""

    def __init__(self) -> None:
        self.enqueued: list[tuple[str, tuple[Any, ...]]] = []

    def nudge_after_commit(self, session: Any, name: str) -> None:
        self.enqueued.append((name, ()))


def says(text: str, provider_id: str, *, channel: Channel = Channel.WHATSAPP, sender: str = "447700900123",
         clock: FakeClock) -> InboundEvent:  # fmt: skip
    return InboundEvent(channel=channel, provider_message_id=provider_id, sender=sender, text=text,
                        received_at=clock.now())  # fmt: skip


def accept(container: Container, *events: InboundEvent, jobs: Any = None) -> inbound.Accepted:
    with container.sessions.begin() as session:
        return inbound.accept_events(
            session=session, jobs=jobs or container.jobs, events=events, now=container.clock.now()
        )


def invited(client: TestClient, container: Container, auth: dict, clock: FakeClock, **kwargs: Any) -> str:
    body = client.post("/v1/events", json=event(**kwargs), headers=auth).json()
    clock.advance(hours=2)
    delivery.deliver_due(ports=container.delivering)
    return str(body["decisions"][0]["conversation_id"])


def transcript(container: Container, conversation_id: str) -> list[tuple[str, str]]:
    with container.sessions.begin() as session:
        rows = session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        )
        return [(row.direction, row.text) for row in rows]


def test_a_reply_is_routed_stored_once_and_answered(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock, senders: dict
) -> None:
    conversation_id = invited(client, container, auth, clock)
    first = accept(container, says("9", "wamid.1", clock=clock))
    retry = accept(container, says("9", "wamid.1", clock=clock))
    assert (len(first.new_messages), retry.duplicates) == (1, 1)
    lines = transcript(container, conversation_id)
    assert [d for d, _ in lines] == ["out", "in", "out"]
    with container.sessions.begin() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        assert conversation.status == "active"
        assert conversation.reply_window_until == clock.now() + timedelta(hours=24)
        reply = session.scalars(
            select(Message).where(Message.conversation_id == conversation_id, Message.seq == 3)
        ).one()
        assert (reply.status, reply.to_address) == ("sent", PHONE)  # delivered by the inline queue
    assert len(senders[Channel.WHATSAPP].sent) == 2


def test_every_waiting_message_is_answered_in_order_by_one_task(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    conversation_id = invited(client, container, auth, clock)
    held = HeldJobs()
    accept(container, says("3", "wamid.1", clock=clock), jobs=held)
    accept(container, says("the parcel came a week late", "wamid.2", clock=clock), jobs=held)
    assert held.enqueued == [("process_inbound", ()), ("process_inbound", ())]
    assert inbound.answer_waiting(ports=container.answering) == 1  # one conversation, both messages, in order
    assert inbound.answer_waiting(ports=container.answering) == 0  # nothing is left waiting
    lines = transcript(container, conversation_id)
    assert [d for d, _ in lines] == ["out", "in", "in", "out", "out"]
    with container.sessions.begin() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        assert conversation.state["score"] == 3
        assert [a["text"] for a in conversation.state["answers"]] == ["3", "the parcel came a week late"]


def test_one_waiting_run_answers_many_conversations_and_leaves_old_messages_alone(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    first = invited(client, container, auth, clock, customer_id="c-1", phone=PHONE)
    second = invited(client, container, auth, clock, customer_id="c-2", phone="+447700900124")
    held = HeldJobs()
    accept(container, says("2", "wamid.old", clock=clock), jobs=held)
    clock.advance(hours=25)  # older than a queue answers: the customer has moved on
    accept(container, says("9", "wamid.2", sender="447700900124", clock=clock), jobs=held)
    assert inbound.answer_waiting(ports=container.answering) == 1
    assert [d for d, _ in transcript(container, second)] == ["out", "in", "out"]
    assert [d for d, _ in transcript(container, first)] == ["out", "in"]


def test_a_nudge_waiting_to_run_covers_later_commits(container: Container) -> None:
    ran: list[int] = []
    container.jobs.huey.immediate = False
    container.jobs.task("counted")(lambda: ran.append(1))
    container.jobs.nudge("counted")
    container.jobs.nudge("counted")  # the first run has not started: nothing more to enqueue
    assert len(container.jobs.huey) == 1
    container.jobs.nudge_taken("counted")  # the run starts: a later commit needs another
    container.jobs.nudge("counted")
    assert len(container.jobs.huey) == 2


def test_stop_on_any_channel_stops_every_future_invitation_until_start(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    conversation_id = invited(client, container, auth, clock)
    accept(container, says("STOP", "wamid.1", clock=clock))
    with container.sessions.begin() as session:
        assert session.get(Conversation, conversation_id).status == "opted_out"  # type: ignore[union-attr]
        contact = session.scalars(select(Contact)).one()
        assert contact.opted_out_at == clock.now()
        [revoked] = session.scalars(select(Consent).where(Consent.granted.is_(False))).all()
        assert (revoked.channel, revoked.source) == ("whatsapp", "reply:whatsapp")
    clock.advance(days=40)
    fresh = {"occurred_at": clock.now()}
    later = client.post("/v1/events", json=event(consents={"whatsapp": True}, **fresh), headers=auth).json()
    assert [d["reason"] for d in later["decisions"]] == ["opted_out"]
    accept(container, says("START", "wamid.2", clock=clock))  # to the latest (closed) conversation
    with container.sessions.begin() as session:
        assert session.scalars(select(Contact)).one().opted_out_at is None
    again = client.post("/v1/events", json=event(**fresh), headers=auth).json()
    assert [d["kind"] for d in again["decisions"]] == ["invited"]


def test_stop_from_an_address_without_a_conversation_still_counts(
    client: TestClient, container: Container, auth: dict, program: Any, clock: FakeClock
) -> None:
    client.post("/v1/events", json=event(consents={}, email=None), headers=auth)  # no consent: not invited
    result = accept(container, says("stop", "SM1", channel=Channel.SMS, sender=PHONE, clock=clock))
    assert result.unrouted == 1
    with container.sessions.begin() as session:
        assert session.scalars(select(Contact)).one().opted_out_at == clock.now()
        assert session.scalars(select(Message)).all() == []


def test_a_customer_who_writes_first_starts_a_program_that_allows_it(
    container: Container, clock: FakeClock
) -> None:
    install_programs(
        container, PROGRAM, {**PROGRAM, "id": "texted-us", "moments": ["none"], "inbound_start": ["sms"]}
    )
    accept(container, says("hi there", "SM1", channel=Channel.SMS, sender="+15005550006", clock=clock))
    with container.sessions.begin() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert (conversation.program, conversation.channel_address, conversation.status) == (
            "texted-us", "+15005550006", "active",
        )  # fmt: skip
    lines = transcript(container, conversation.id)
    assert [d for d, _ in lines] == ["in", "out"]
    assert "recommend" in lines[1][1]
    accept(container, says("10", "SM2", channel=Channel.SMS, sender="+15005550006", clock=clock))
    assert [d for d, _ in transcript(container, conversation.id)] == ["in", "out", "in", "out"]


def test_a_message_from_an_unknown_address_with_no_inbound_program_is_not_stored(
    container: Container, program: Any, clock: FakeClock
) -> None:
    result = accept(container, says("hello?", "SM9", channel=Channel.SMS, sender="+15005550006", clock=clock))
    assert (result.unrouted, result.new_messages) == (1, [])
