"""A case opens when a customer accepts contact, asks for help (English or Spanish) or a rule
matches; once per conversation, routed to its team round-robin, due in business hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.cases.notices import RecordingNotifier
from askwhy.cases.opening import open_cases
from askwhy.clock import FakeClock
from askwhy.tasks.cases import sweep

from .helpers import accept_contact, cases, events, say, start


def test_a_detractor_who_accepts_contact_gets_a_case_with_an_owner_and_a_deadline(
    client: TestClient, container: Container
) -> None:
    opened = accept_contact(client)
    [case] = cases(container)
    assert case.conversation_id == opened["conversation_id"]
    assert (case.reason, case.team, case.owner, case.status) == (
        "accepted_contact", "care", "ana@example.com", "open",
    )  # fmt: skip
    assert case.band == "detractor"
    assert case.score == 3
    assert "late-delivery" in case.themes
    # Monday 10:00 in Lisbon (UTC in January): 4 and 8 business hours of a 09:00-18:00 day.
    assert case.first_response_due_at == datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    assert case.due_at == datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
    assert [event.kind for event in events(container, case.id)] == ["opened", "assigned"]


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "can someone call me?"), ("en", "I want to talk to a person"), ("es", "necesito que me llamen")],
)
def test_a_request_for_help_opens_a_high_priority_case_while_the_chat_goes_on(
    client: TestClient, container: Container, language: str, text: str
) -> None:
    opened = start(client, language=language)
    reply = say(client, opened, text)
    assert reply["status"] == "active"
    [case] = cases(container)
    assert (case.reason, case.priority, case.team, case.status) == ("help_request", "high", "care", "open")
    assert case.conversation_id == opened["conversation_id"]
    say(client, opened, "2")  # the rest of the conversation opens no second case
    say(client, opened, "nothing else")
    assert len(cases(container)) == 1


def test_a_help_request_after_the_score_opens_a_case_too(client: TestClient, container: Container) -> None:
    opened = start(client)
    say(client, opened, "6")
    say(client, opened, "my refund never arrived, can someone call me?")
    [case] = cases(container)
    assert (case.reason, case.score) == ("help_request", 6)


def test_a_score_rule_opens_a_case_for_a_customer_who_did_not_ask(
    client: TestClient, container: Container
) -> None:
    opened = start(client)
    say(client, opened, "0")
    assert say(client, opened, "that's all")["status"] == "completed"
    [case] = cases(container)
    assert (case.reason, case.priority, case.team, case.score) == ("rule", "urgent", "care", 0)
    assert case.conversation_id == opened["conversation_id"]


def test_a_promoter_who_asks_nothing_gets_no_case(client: TestClient, container: Container) -> None:
    opened = start(client)
    say(client, opened, "10")
    assert say(client, opened, "great service, that's all")["status"] == "completed"
    assert cases(container) == []


def test_cases_go_round_the_team_in_turn(client: TestClient, container: Container, clock: FakeClock) -> None:
    for _ in range(3):
        say(client, start(client), "please call me")
        clock.advance(minutes=1)
    assert [case.owner for case in cases(container)] == [
        "ana@example.com", "bruno@example.com", "ana@example.com",
    ]  # fmt: skip


def test_opening_again_is_idempotent(client: TestClient, container: Container, clock: FakeClock) -> None:
    accept_contact(client)
    [case] = cases(container)
    notifier = RecordingNotifier()
    assert sweep(container, notifier=notifier) == 0
    with container.sessions.begin() as session:
        assert (
            open_cases(
                session=session, response_id=case.response_id or "", now=clock.now(), notifier=notifier
            )
            is None
        )
    assert len(cases(container)) == 1
    assert notifier.notices == []


def test_the_owner_is_told_of_a_new_case(client: TestClient, container: Container, clock: FakeClock) -> None:
    opened = start(client)
    say(client, opened, "0")
    say(client, opened, "that's all")
    [case] = cases(container)
    with container.sessions.begin() as session:
        from askwhy.store.case_tables import Case

        session.delete(session.get(Case, case.id))
    notifier = RecordingNotifier()
    assert sweep(container, notifier=notifier) == 1  # the sweep finds what a lost enqueue missed
    [notice] = notifier.notices
    assert notice.event == "case.opened"
    assert notice.recipients == ("bruno@example.com",)  # the round-robin turn moved on


@pytest.mark.parametrize(
    ("language", "text"), [("en", "my order 12345 is missing"), ("es", "mi pedido no ha llegado")]
)
def test_a_missing_order_opens_a_help_case_when_the_conversation_ends(
    client: TestClient, container: Container, language: str, text: str
) -> None:
    opened = start(client, language=language)
    say(client, opened, "8")  # a passive: no rule would open a case
    say(client, opened, text)
    say(client, opened, "that's all" if language == "en" else "eso es todo")
    [case] = cases(container)
    assert (case.reason, case.priority, case.score) == ("help_request", "high", 8)
