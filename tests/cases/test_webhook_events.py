"""Subscribed systems hear of cases: case.opened, case.updated and case.resolved, signed, without
the customer's words."""

from __future__ import annotations

from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from tests.fakes.alert_receivers import FakeWebhookReceiver

from .helpers import cases, say, start
from .test_api import key


def test_a_help_desk_mirrors_a_case_from_opening_to_resolution(
    client: TestClient, container: Container
) -> None:
    writer = key(container, "alerts:write", "cases:write")
    with FakeWebhookReceiver() as receiver:
        events = ["case.opened", "case.updated", "case.resolved"]
        created = client.post(
            "/v1/webhook-subscriptions", json={"url": receiver.url, "events": events}, headers=writer
        )
        assert created.status_code == 201, created.text
        receiver.secret = created.json()["secret"]
        say(client, start(client), "can someone call me? I'm on 07700 900123")
        [case] = cases(container)
        client.post(f"/v1/cases/{case.id}/notes", json={"note": "calling now"}, headers=writer)
        client.post(f"/v1/cases/{case.id}/resolve", headers=writer)
    received = receiver.verified
    assert [item.json["type"] for item in received] == ["case.opened", "case.updated", "case.resolved"]
    opened = received[0].json["data"]
    assert (opened["case_id"], opened["reason"], opened["owner"]) == (
        case.id,
        "help_request",
        "ana@example.com",
    )
    assert received[2].json["data"]["status"] == "resolved"
    assert "07700" not in str([item.json for item in received])
