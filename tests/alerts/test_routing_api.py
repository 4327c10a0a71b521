"""Destinations and alert rules through the API and the CLI: read with `read`, changed with
`alerts:write`, errors naming the field, secrets shown once and URLs masked afterwards."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from askwhy.bootstrap import Container
from askwhy.cli import app as cli
from askwhy.service import api_keys
from askwhy.store import alert_rules
from tests.fakes.alert_receivers import FakeSlack


def key(container: Container, *scopes: str) -> dict[str, str]:
    with container.sessions.begin() as session:
        _, text = api_keys.create_key(
            session=session, name="ops", scopes=list(scopes), now=container.clock.now()
        )
    return {"Authorization": f"Bearer {text}"}


def test_destinations_and_rules_are_managed_by_api(client: TestClient, container: Container) -> None:
    writer, reader = key(container, "alerts:write"), key(container, "read")
    slack = {
        "name": "cx-slack",
        "kind": "slack",
        "target": "https://hooks.slack.com/services/T0/B0/SECRETPART",
    }
    created = client.post("/v1/destinations", json=slack, headers=writer)
    assert created.status_code == 201, created.text
    assert created.json()["target"] == "https://hooks.slack.com/…"
    hook = client.post(
        "/v1/destinations",
        json={"name": "ops", "kind": "webhook", "target": "https://ops.acme.example/in"},
        headers=writer,
    ).json()
    assert hook["secret"].startswith("whsec_")
    listed = client.get("/v1/destinations", headers=reader).json()
    assert {d["name"] for d in listed} == {"cx-slack", "ops"}
    assert "SECRETPART" not in str(listed)
    assert all(d["secret"] is None for d in listed)

    rule = {
        "program": "post-checkout",
        "name": "delivery",
        "destinations": ["cx-slack"],
        "min_severity": "high",
    }
    made = client.post("/v1/alert-rules", json={**rule, "digests": ["weekly"]}, headers=writer)
    assert made.status_code == 201, made.text
    assert (
        client.get("/v1/alert-rules?program=post-checkout", headers=reader).json()[0]["min_severity"]
        == "high"
    )
    unknown = client.post("/v1/alert-rules", json={**rule, "destinations": ["nowhere"]}, headers=writer)
    assert unknown.status_code == 422
    assert "destinations" in unknown.json()["detail"]
    assert client.post("/v1/alert-rules", json=rule, headers=reader).status_code == 403
    assert client.delete(f"/v1/alert-rules/{made.json()['id']}", headers=writer).status_code == 204
    assert client.delete("/v1/destinations/cx-slack", headers=writer).status_code == 204
    assert client.delete("/v1/destinations/cx-slack", headers=writer).status_code == 404


def test_a_destination_with_a_bad_target_names_the_field(client: TestClient, container: Container) -> None:
    refused = client.post(
        "/v1/destinations",
        json={"name": "mail", "kind": "email", "target": "not-an-address"},
        headers=key(container, "alerts:write"),
    )
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("target:")


def test_the_cli_adds_a_destination_a_rule_and_tests_the_destination(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASKWHY_DATABASE_URL", container.settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(container.settings.data_dir))
    monkeypatch.setenv("ASKWHY_SEED_DEMO", "false")
    runner = CliRunner()
    with FakeSlack() as slack:
        monkeypatch.setenv("CX_SLACK_URL", slack.url)
        added = runner.invoke(
            cli, ["destinations", "add", "cx", "--kind", "slack", "--target", "env:CX_SLACK_URL"]
        )
        assert added.exit_code == 0, added.output
        rule = runner.invoke(
            cli,
            ["alert-rules", "add", "--program", "post-checkout", "--name", "all", "--destination", "cx",
             "--segment", "region=north", "--digest", "daily"],
        )  # fmt: skip
        assert rule.exit_code == 0, rule.output
        assert runner.invoke(cli, ["alert-rules", "list"]).exit_code == 0
        with container.sessions() as session:
            (stored,) = alert_rules.list_rules(session=session)
        assert (stored.segment, stored.digests, stored.destinations) == (
            {"region": "north"},
            ["daily"],
            ["cx"],
        )
        tested = runner.invoke(cli, ["notifications", "test", "cx"])
        assert tested.exit_code == 0, tested.output
        assert len(slack.accepted) == 1
        slack.script(404)
        failed = runner.invoke(cli, ["notifications", "test", "cx"])
    assert failed.exit_code == 1
    assert "HTTP 404" in failed.output
    bad = runner.invoke(
        cli, ["alert-rules", "add", "--program", "p", "--name", "n", "--destination", "missing"]
    )
    assert bad.exit_code == 2
    assert "destinations" in bad.output
