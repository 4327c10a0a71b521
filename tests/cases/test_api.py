"""The cases API: read with `read`, change with `cases:write`; the lifecycle's refusals are 409."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.cases import follow_up
from askwhy.clock import FakeClock
from askwhy.service import api_keys

from .helpers import cases, say, start


def key(container: Container, *scopes: str) -> dict[str, str]:
    with container.sessions.begin() as session:
        _, text = api_keys.create_key(session=session, name="crm", scopes=scopes, now=container.clock.now())
    return {"Authorization": f"Bearer {text}"}


@pytest.fixture
def case_id(client: TestClient, container: Container) -> str:
    say(client, start(client), "can someone call me? my email is jane.doe@example.com")
    [case] = cases(container)
    return case.id


def test_cases_are_listed_and_filtered_with_the_read_scope(
    client: TestClient, container: Container, case_id: str
) -> None:
    assert client.get("/v1/cases").status_code == 401
    reader = key(container, "read")
    listed = client.get("/v1/cases", headers=reader).json()["cases"]
    assert [case["id"] for case in listed] == [case_id]
    assert listed[0]["reason"] == "help_request"
    assert listed[0]["owner"] == "ana@example.com"
    for query, found in (
        ("program=post-checkout", 1), ("program=other", 0), ("team=care", 1), ("team=vip", 0),
        ("owner=ana@example.com", 1), ("owner=bruno@example.com", 0),
        ("status=open", 1), ("status=resolved", 0),
    ):  # fmt: skip
        assert len(client.get(f"/v1/cases?{query}", headers=reader).json()["cases"]) == found, query


def test_one_case_has_its_history_and_a_redacted_excerpt(
    client: TestClient, container: Container, case_id: str
) -> None:
    body = client.get(f"/v1/cases/{case_id}", headers=key(container, "read")).json()
    assert [entry["kind"] for entry in body["history"]] == ["opened", "assigned"]
    customer = [turn["text"] for turn in body["excerpt"] if turn["speaker"] == "customer"]
    assert customer
    assert "jane.doe@example.com" not in str(body)
    assert "[email]" in customer[0]
    assert client.get("/v1/cases/nope", headers=key(container, "read")).status_code == 404


def test_changing_a_case_needs_the_cases_write_scope(
    client: TestClient, container: Container, case_id: str
) -> None:
    reader = key(container, "read")
    refused = client.post(f"/v1/cases/{case_id}/assign", json={"owner": "bruno@example.com"}, headers=reader)
    assert refused.status_code == 403
    assert "cases:write" in refused.text
    assert cases(container)[0].owner == "ana@example.com"


def test_assign_note_status_and_resolve_are_recorded_with_who_and_when(
    client: TestClient, container: Container, clock: FakeClock, case_id: str
) -> None:
    writer = key(container, "cases:write", "read")
    assigned = client.post(f"/v1/cases/{case_id}/assign", json={"owner": "vera@example.com"}, headers=writer)
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["owner"], assigned.json()["team"]) == ("vera@example.com", "vip")
    clock.advance(minutes=30)
    noted = client.post(f"/v1/cases/{case_id}/notes", json={"note": "called, no answer"}, headers=writer)
    assert datetime.fromisoformat(noted.json()["first_response_at"]) == clock.now()
    moved = client.post(f"/v1/cases/{case_id}/status", json={"status": "waiting_customer"}, headers=writer)
    assert moved.json()["status"] == "waiting_customer"
    resolved = client.post(f"/v1/cases/{case_id}/resolve", json={"note": "refund sent"}, headers=writer)
    assert resolved.json()["status"] == "resolved"
    history = client.get(f"/v1/cases/{case_id}", headers=writer).json()["history"]
    assert [entry["kind"] for entry in history] == [
        "opened", "assigned", "assigned", "note_added", "status_changed", "status_changed", "follow_up_asked",
    ]  # fmt: skip
    actors = {entry["actor"] for entry in history[2:6]}
    assert len(actors) == 1
    assert actors.pop().startswith("key:")
    assert history[5]["note"] == "refund sent"
    assert history[5]["details"] == {"from": "waiting_customer", "to": "resolved"}


def test_a_transition_the_lifecycle_refuses_is_409_with_the_reason(
    client: TestClient, container: Container, case_id: str
) -> None:
    writer = key(container, "cases:write")
    assert (
        client.post(f"/v1/cases/{case_id}/status", json={"status": "closed"}, headers=writer).status_code
        == 200
    )
    reopened = client.post(f"/v1/cases/{case_id}/status", json={"status": "in_progress"}, headers=writer)
    assert reopened.status_code == 409
    assert "closed case cannot become in_progress" in reopened.json()["detail"]
    bogus = client.post(f"/v1/cases/{case_id}/status", json={"status": "done"}, headers=writer)
    assert bogus.status_code == 422
    assert "status" in bogus.json()["detail"]
    stranger = client.post(f"/v1/cases/{case_id}/assign", json={"owner": "x@example.com"}, headers=writer)
    assert stranger.status_code == 409  # a closed case is not reassigned


def test_an_owner_outside_the_teams_is_refused_naming_the_field(
    client: TestClient, container: Container, case_id: str
) -> None:
    writer = key(container, "cases:write")
    refused = client.post(f"/v1/cases/{case_id}/assign", json={"owner": "x@example.com"}, headers=writer)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("owner:")


def test_measures_count_sla_and_recovered_per_team_and_program(
    client: TestClient, container: Container, clock: FakeClock, case_id: str
) -> None:
    writer = key(container, "cases:write", "read")
    clock.advance(hours=2)
    client.post(f"/v1/cases/{case_id}/resolve", headers=writer)
    with container.sessions.begin() as session:
        follow_up.record_answer(session=session, case_id=case_id, score=8, now=clock.now())
    say(client, start(client), "please call me")  # a second case, still open and not yet due
    measured = client.get("/v1/case-measures?program=post-checkout", headers=writer).json()["measures"]
    program, team = measured
    assert (program["team"], team["team"]) == (None, "care")
    assert program["cases"] == 2
    assert program["open"] == 1
    assert program["median_resolution_hours"] == 2.0
    assert program["within_sla"] == 1.0
    assert program["judged"] == 1
    assert program["recovered"] is None  # the case was a help request with no score: not a detractor
    assert program["follow_ups"] == 0


def test_an_owner_replies_over_the_api_and_the_customer_reads_it_in_the_chat(
    client: TestClient, container: Container
) -> None:
    opened = start(client)
    say(client, opened, "can someone call me?")
    [case] = cases(container)
    text = "Ana here: your refund left today."
    assert (
        client.post(f"/v1/cases/{case.id}/reply", json={"text": text}, headers=key(container, "read"))
    ).status_code == 403
    writer = key(container, "cases:write", "read")
    replied = client.post(f"/v1/cases/{case.id}/reply", json={"text": text}, headers=writer)
    assert replied.status_code == 200, replied.text
    assert replied.json()["status"] == "waiting_customer"
    assert replied.json()["first_response_at"] is not None
    chat = client.get(
        f"/v1/conversations/{opened['conversation_id']}",
        headers={"Authorization": f"Bearer {opened['token']}"},
    ).json()
    assert chat["messages"][-1]["text"] == text
    [sent] = [e for e in client.get(f"/v1/cases/{case.id}", headers=writer).json()["history"]
              if e["kind"] == "reply_sent"]  # fmt: skip
    assert sent["actor"].startswith("key:")
    assert (sent["details"]["channel"], sent["details"]["template"]) == ("web", False)
    assert text not in str(sent)  # the words stay in the conversation, not in the history


def test_a_reply_the_case_cannot_send_is_refused_naming_the_field(
    client: TestClient, container: Container, case_id: str
) -> None:
    writer = key(container, "cases:write")
    empty = client.post(f"/v1/cases/{case_id}/reply", json={"text": "  "}, headers=writer)
    assert empty.status_code == 422
    assert empty.json()["detail"].startswith("text:")
    too_long = client.post(f"/v1/cases/{case_id}/reply", json={"text": "x" * 2001}, headers=writer)
    assert too_long.status_code == 422
    assert client.post("/v1/cases/nope/reply", json={"text": "hi"}, headers=writer).status_code == 404
    assert cases(container)[0].status == "open"


def test_a_web_chat_customer_who_said_stop_is_not_written_to(
    client: TestClient, container: Container
) -> None:
    opened = start(client)
    say(client, opened, "can someone call me?")
    assert say(client, opened, "STOP")["status"] == "opted_out"
    [case] = cases(container)  # the help request stays a case: the team may still act on it
    writer = key(container, "cases:write")
    refused = client.post(f"/v1/cases/{case.id}/reply", json={"text": "hello?"}, headers=writer)
    assert refused.status_code == 422
    assert "said stop" in refused.json()["detail"]
    resolved = client.post(f"/v1/cases/{case.id}/resolve", headers=writer)
    assert resolved.status_code == 200
    with container.sessions() as session:
        from askwhy.store.tables import Message

        outbound = session.query(Message).filter_by(conversation_id=case.conversation_id, direction="out")
        assert not any("sorted for you" in (message.text or "") for message in outbound)
    asked = [e for e in client.get(f"/v1/cases/{case.id}", headers=key(container, "read")).json()["history"]
             if e["kind"] == "follow_up_asked"]  # fmt: skip
    assert asked[0]["details"]["sent"] is False
