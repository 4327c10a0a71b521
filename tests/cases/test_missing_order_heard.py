"""A missing order told in the web chat is acknowledged in the reply and its case is open by then,
so the promise of a follow-up is kept; a customer who refuses contact is promised none, and their
case is marked do-not-contact."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container

from .helpers import cases, say, start


@pytest.mark.parametrize(
    ("language", "text", "promise"),
    [
        ("en", "my order 12345 never arrived", "I'll ask the team to contact you."),
        ("es", "mi pedido no ha llegado", "Pediré al equipo que se ponga en contacto contigo."),
    ],
)
def test_the_reply_promises_a_follow_up_and_the_case_is_already_open(
    client: TestClient, container: Container, language: str, text: str, promise: str
) -> None:
    opened = start(client, language=language)
    say(client, opened, "8")  # a passive: no rule would open a case
    reply = say(client, opened, text)
    assert reply["status"] == "active"
    assert promise in reply["messages"][0]["text"]
    [case] = cases(container)  # before the conversation ends
    assert (case.reason, case.priority) == ("help_request", "high")


def test_a_customer_who_refuses_contact_is_promised_none(client: TestClient, container: Container) -> None:
    opened = start(client)
    say(client, opened, "8")
    reply = say(client, opened, "my order never arrived, but no need to call me")
    first = reply["messages"][0]["text"]
    assert first.startswith("I'm sorry it hasn't reached you. I'll let the team know.")
    assert "contact you" not in first
    say(client, opened, "that's all")
    [case] = cases(container)  # the team hears of the missing order, as the reply says
    assert case.do_not_contact is True
