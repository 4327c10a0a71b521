"""Attack: a key limited to another program reads a customer's contact decisions for this one."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.service import api_keys

from .conftest import event


def reader(container: Container, *programs: str) -> dict[str, str]:
    with container.sessions.begin() as session:
        _, text = api_keys.create_key(
            session=session, name="crm", scopes=["read"], programs=programs, now=container.clock.now()
        )
    return {"X-API-Key": text}


def test_decisions_of_another_program_are_not_shown(
    client: TestClient, container: Container, auth: dict, program: Any
) -> None:
    recorded = client.post("/v1/events", json=event(), headers=auth).json()
    other, own = reader(container, "pre-sales"), reader(container, program["id"])
    assert client.get(f"/v1/events/{recorded['id']}", headers=other).json() == {"detail": "event not found"}
    assert client.get("/v1/decisions", params={"customer": "cust-1"}, headers=other).json() == {
        "decisions": []
    }
    [shown] = client.get(f"/v1/events/{recorded['id']}", headers=own).json()["decisions"]
    assert shown["program"] == program["id"]
    listed = client.get("/v1/decisions", params={"customer": "cust-1"}, headers=own).json()["decisions"]
    assert [decision["program"] for decision in listed] == [program["id"]]
