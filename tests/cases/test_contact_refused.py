"""A customer who refused contact is never contacted from a case: the case the team needs (a missing
order, a score rule, a help request taken back) opens or stays, marked do-not-contact, and neither
an owner's reply nor the follow-up question reaches the customer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.cases import lifecycle, replies
from askwhy.cases.notices import RecordingNotifier
from askwhy.store.case_tables import Case
from askwhy.store.tables import Message

from .helpers import cases, events, say, start

OWNER = "ana@example.com"


def reply(container: Container, case_id: str, text: str) -> Case:
    with container.sessions.begin() as session:
        return replies.reply(
            session=session, case_id=case_id, text=text, actor=OWNER, now=container.clock.now(),
            notifier=RecordingNotifier(),
        )  # fmt: skip


def resolve(container: Container, case_id: str) -> None:
    with container.sessions.begin() as session:
        lifecycle.resolve(
            session=session, case_id=case_id, actor=OWNER, now=container.clock.now(),
            notifier=RecordingNotifier(),
        )  # fmt: skip


def outbound_texts(container: Container, conversation_id: str) -> list[str]:
    with container.sessions() as session:
        query = select(Message.text).where(
            Message.conversation_id == conversation_id, Message.direction == "out"
        )
        return [text or "" for text in session.scalars(query.order_by(Message.seq))]


def assert_never_contacted(container: Container, case: Case) -> None:
    """Neither a reply nor the follow-up question is written to the customer of ``case``."""
    assert case.conversation_id is not None
    before = outbound_texts(container, case.conversation_id)
    with pytest.raises(replies.ReplyRefused, match="asked not to be contacted"):
        reply(container, case.id, "Hello, about your order")
    resolve(container, case.id)
    asked = events(container, case.id)[-1]
    assert (asked.kind, asked.details["sent"]) == ("follow_up_asked", False)
    assert "asked not to be contacted" in asked.details["not_sent"]
    assert outbound_texts(container, case.conversation_id) == before


@pytest.mark.parametrize(
    ("language", "text", "done"),
    [
        ("en", "my order never arrived, but no need to call me", "that's all"),
        ("es", "mi pedido no ha llegado, pero no hace falta que me llamen", "eso es todo"),
    ],
)
def test_a_missing_order_with_contact_refused_opens_a_case_marked_do_not_contact(
    client: TestClient, container: Container, language: str, text: str, done: str
) -> None:
    opened = start(client, language=language)
    say(client, opened, "8")
    say(client, opened, text)
    say(client, opened, done)
    [case] = cases(container)
    assert (case.reason, case.do_not_contact) == ("help_request", True)
    assert events(container, case.id)[0].details["do_not_contact"] is True
    assert_never_contacted(container, case)


DETRACTOR = {
    "en": ("1", "my parcel arrived late and the box was crushed", "it ruined a gift, very annoying", "yes"),
    "es": ("1", "el paquete llegó tarde y la caja aplastada", "arruinó un regalo, muy molesto", "sí"),
}


@pytest.mark.parametrize(("language", "decline"), [("en", "no thanks"), ("es", "no, gracias")])
def test_a_detractor_who_declines_the_offer_gets_a_rule_case_marked_do_not_contact(
    client: TestClient, container: Container, language: str, decline: str
) -> None:
    opened = start(client, language=language)
    for text in DETRACTOR[language]:
        reply_ = say(client, opened, text)
    assert reply_["messages"][-1]["question"] == "close_the_loop", reply_
    assert say(client, opened, decline)["status"] == "completed"
    [case] = cases(container)
    assert (case.reason, case.priority, case.do_not_contact) == ("rule", "urgent", True)
    assert_never_contacted(container, case)


def test_a_help_request_taken_back_marks_the_open_case_do_not_contact(
    client: TestClient, container: Container
) -> None:
    opened = start(client)
    say(client, opened, "can someone call me?")
    [case] = cases(container)
    assert (case.reason, case.do_not_contact) == ("help_request", False)
    say(client, opened, "6")
    say(client, opened, "actually there is no need to call me, it is sorted")
    with pytest.raises(replies.ReplyRefused, match="asked not to be contacted"):
        reply(container, case.id, "Hello?")  # refused at once, before the conversation ends
    say(client, opened, "that's all")
    [case] = cases(container)
    assert case.do_not_contact is True
    assert events(container, case.id)[-1].details == {"do_not_contact": True}
    assert_never_contacted(container, case)


def test_a_customer_who_asked_for_help_is_still_written_to(client: TestClient, container: Container) -> None:
    opened = start(client)
    say(client, opened, "necesito que me llamen")
    [case] = cases(container)
    assert case.do_not_contact is False
    reply(container, case.id, "Hola, le llamamos hoy")
    assert case.conversation_id is not None
    assert outbound_texts(container, case.conversation_id)[-1] == "Hola, le llamamos hoy"
