"""Attacks with a key limited to one program: reading a customer's contact decisions for another
program, and sending a moment that another program would invite the customer for."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.service import api_keys
from askwhy.store.program_tables import ContactDecision
from askwhy.store.tables import Conversation

from .conftest import PROGRAM, event, install_programs


def reader(container: Container, *programs: str, scopes: tuple[str, ...] = ("read",)) -> dict[str, str]:
    with container.sessions.begin() as session:
        _, text = api_keys.create_key(
            session=session, name="crm", scopes=scopes, programs=programs, now=container.clock.now()
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


def test_a_moment_from_a_limited_key_is_decided_by_its_programs_only(
    client: TestClient, container: Container
) -> None:
    install_programs(container, PROGRAM, {**PROGRAM, "id": "brand-b", "name": "Brand B"})
    writer = reader(container, PROGRAM["id"], scopes=("events:write", "read"))
    answer = client.post("/v1/events", json=event(), headers=writer)
    assert answer.status_code == 201, answer.text
    assert [decision["program"] for decision in answer.json()["decisions"]] == [PROGRAM["id"]]
    with container.sessions() as session:
        assert {row.program for row in session.scalars(select(ContactDecision))} == {PROGRAM["id"]}
        assert {row.program for row in session.scalars(select(Conversation))} == {PROGRAM["id"]}
    everyone = reader(container, scopes=("events:write",))
    both = client.post("/v1/events", json=event("cust-2"), headers=everyone).json()["decisions"]
    assert sorted(decision["program"] for decision in both) == ["brand-b", PROGRAM["id"]]


def test_the_cli_creates_a_key_limited_to_programs(
    settings: Any, monkeypatch: Any, container: Container
) -> None:
    from typer.testing import CliRunner

    from askwhy.cli import app
    from askwhy.store.api_tables import ApiKey

    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASKWHY_GUIDES_DIR", str(settings.guides_dir))
    runner = CliRunner()
    options = [
        "keys",
        "create",
        "--name",
        "crm",
        "--scope",
        "read",
        "--program",
        "brand-a",
        "--program",
        "brand-b",
    ]
    created = runner.invoke(app, options)
    assert created.exit_code == 0, created.output
    assert "brand-a, brand-b" in created.output
    key_id = next(word for word in created.output.split() if word.startswith("aw_")).split("_")[1]
    with container.sessions() as session:
        stored = session.get(ApiKey, key_id)
        assert stored is not None
        assert stored.programs == ["brand-a", "brand-b"]
    refused = runner.invoke(app, ["keys", "create", "--name", "x", "--scope", "read", "--program", " "])
    assert refused.exit_code != 0
    assert "program id" in refused.output
