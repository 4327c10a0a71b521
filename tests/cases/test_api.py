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
