"""Attack: a system holding a key limited to one program reads or changes another program's cases.

The key is limited to ``pre-sales``; the case is ``post-checkout``'s. Every case route answers as if
the case did not exist (404, the answer a guessed id gets), the list does not show it, and nothing
changes; the same routes serve a key limited to ``post-checkout``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.service import api_keys

from .helpers import accept_contact, cases, events

WRITES = {
    "assign": {"owner": "bruno@example.com"},
    "status": {"status": "in_progress"},
    "notes": {"note": "a note"},
    "reply": {"text": "hello"},
    "resolve": {"note": "done"},
}


def key(container: Container, *programs: str) -> dict[str, str]:
    with container.sessions.begin() as session:
        _, text = api_keys.create_key(
            session=session,
            name="crm",
            scopes=("read", "cases:write"),
            programs=programs,
            now=container.clock.now(),
        )
    return {"Authorization": f"Bearer {text}"}


@pytest.fixture
def case_id(client: TestClient, container: Container) -> str:
    accept_contact(client)
    [case] = cases(container)
    assert case.program == "post-checkout"
    return case.id


def test_a_key_of_another_program_does_not_list_the_case(
    client: TestClient, container: Container, case_id: str
) -> None:
    other = key(container, "pre-sales")
    assert client.get("/v1/cases", headers=other).json() == {"cases": []}
    named = client.get("/v1/cases", params={"program": "post-checkout"}, headers=other)
    assert named.status_code == 404
    assert named.json() == {"detail": "no such program"}
    assert (
        client.get("/v1/case-measures", params={"program": "post-checkout"}, headers=other).status_code == 404
    )
    own = client.get("/v1/cases", headers=key(container, "post-checkout")).json()
    assert [case["id"] for case in own["cases"]] == [case_id]


def test_a_key_of_another_program_cannot_read_the_case(
    client: TestClient, container: Container, case_id: str
) -> None:
    refused = client.get(f"/v1/cases/{case_id}", headers=key(container, "pre-sales"))
    assert refused.status_code == 404
    assert refused.json() == {"detail": "case not found"}
    shown = client.get(f"/v1/cases/{case_id}", headers=key(container, "post-checkout"))
    assert shown.status_code == 200
    assert shown.json()["id"] == case_id


@pytest.mark.parametrize("route", sorted(WRITES))
def test_a_key_of_another_program_changes_nothing(
    route: str, client: TestClient, container: Container, case_id: str
) -> None:
    refused = client.post(
        f"/v1/cases/{case_id}/{route}", json=WRITES[route], headers=key(container, "pre-sales")
    )
    assert refused.status_code == 404
    assert refused.json() == {"detail": "case not found"}
    [case] = cases(container)
    assert (case.status, case.owner) == ("open", "ana@example.com")
    assert [event.kind for event in events(container, case_id)] == ["opened", "assigned"]


def test_a_key_of_the_case_program_still_changes_it(
    client: TestClient, container: Container, case_id: str
) -> None:
    noted = client.post(
        f"/v1/cases/{case_id}/notes", json=WRITES["notes"], headers=key(container, "post-checkout")
    )
    assert noted.status_code == 200, noted.text
    assert [event.kind for event in events(container, case_id)][-1] == "note_added"


def test_a_key_of_several_programs_names_the_one_it_lists(
    client: TestClient, container: Container, case_id: str
) -> None:
    both = key(container, "post-checkout", "pre-sales")
    unnamed = client.get("/v1/cases", headers=both)
    assert unnamed.status_code == 422
    assert [error["field"] for error in unnamed.json()["errors"]] == ["query.program"]
    named = client.get("/v1/cases", params={"program": "post-checkout"}, headers=both).json()
    assert [case["id"] for case in named["cases"]] == [case_id]
