"""The alerts API: read with ``read``, change with ``alerts:write``; 404 for unknown ids, 422s that
name the field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.domain.alerts import AlertQuote, Evidence, evidence_to_json
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.store import alerts
from askwhy.store.alerts import EpisodeKey, NewAlert


def key_with(container: Container, *scopes: str) -> dict[str, str]:
    with container.sessions.begin() as session:
        _, key = api_keys.create_key(
            session=session, name="ops", scopes=list(scopes), now=container.clock.now()
        )
    return {"X-API-Key": key}


@pytest.fixture
def api(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as client:
        yield client


@pytest.fixture
def alert_id(container: Container) -> str:
    now = container.clock.now()
    evidence = Evidence(
        what="late delivery: 35.0% of responses today (14 of 40), up from 5.0%",
        value=0.35,
        baseline=0.05,
        low=4.1,
        high=None,
        since=now,
        n=40,
        baseline_n=2240,
        test="beta-binomial upper tail",
        p_value=1e-9,
        quotes=(AlertQuote("My parcel came late.", "r1", now),),
    )
    with container.sessions.begin() as session:
        row = alerts.open_alert(
            session=session,
            alert=NewAlert(
                EpisodeKey("post-checkout", "rising_theme", "late", ""),
                "late delivery",
                {},
                "high",
                evidence_to_json(evidence),
            ),
            now=now,
        )
        assert row is not None
        session.flush()
        return row.id


def test_reading_needs_the_read_scope(api: TestClient, container: Container, alert_id: str) -> None:
    assert api.get("/v1/alerts").status_code == 401
    assert api.get("/v1/alerts", headers=key_with(container, "events:write")).status_code == 403
    reader = key_with(container, "read")
    listed = api.get("/v1/alerts", headers=reader)
    assert listed.status_code == 200, listed.text
    [alert] = listed.json()["alerts"]
    assert alert["id"] == alert_id
    assert alert["state"] == "open"
    one = api.get(f"/v1/alerts/{alert_id}", headers=reader).json()
    assert one["evidence"]["what"].startswith("late delivery")
    assert one["evidence"]["quotes"][0]["text"] == "My parcel came late."
    assert api.get("/v1/alerts", headers=reader, params={"state": "resolved"}).json()["alerts"] == []


def test_changing_needs_the_alerts_write_scope(api: TestClient, container: Container, alert_id: str) -> None:
    reader = key_with(container, "read")
    assert api.post(f"/v1/alerts/{alert_id}/acknowledge", headers=reader).status_code == 403
    writer = key_with(container, "alerts:write")
    acked = api.post(f"/v1/alerts/{alert_id}/acknowledge", headers=writer)
    assert acked.status_code == 200, acked.text
    assert acked.json()["state"] == "acknowledged"
    assert acked.json()["acknowledged_by"].startswith("key:")
    until = (container.clock.now() + timedelta(hours=2)).isoformat()
    snoozed = api.post(f"/v1/alerts/{alert_id}/snooze", headers=writer, json={"until": until})
    assert snoozed.status_code == 200, snoozed.text
    assert snoozed.json()["state"] == "snoozed"
    resolved = api.post(f"/v1/alerts/{alert_id}/resolve", headers=writer, json={"note": "courier replaced"})
    assert resolved.json()["state"] == "resolved"
    again = api.post(f"/v1/alerts/{alert_id}/acknowledge", headers=writer)
    assert again.status_code == 409
    assert "resolved" in again.json()["detail"]


def test_unknown_ids_are_404(api: TestClient, container: Container) -> None:
    reader, writer = key_with(container, "read"), key_with(container, "alerts:write")
    assert api.get("/v1/alerts/nope", headers=reader).status_code == 404
    for action in ("acknowledge", "resolve"):
        assert api.post(f"/v1/alerts/nope/{action}", headers=writer).status_code == 404
    until = (container.clock.now() + timedelta(hours=2)).isoformat()
    assert api.post("/v1/alerts/nope/snooze", headers=writer, json={"until": until}).status_code == 404


@pytest.mark.parametrize(
    ("until", "says"),
    [("tomorrow", "datetime"), ("2020-01-01T00:00:00Z", "future"), ("2030-01-01T00:00:00", "zone")],
)
def test_a_bad_snooze_time_is_a_422_naming_the_field(
    api: TestClient, container: Container, alert_id: str, until: str, says: str
) -> None:
    writer = key_with(container, "alerts:write")
    refused = api.post(f"/v1/alerts/{alert_id}/snooze", headers=writer, json={"until": until})
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "until"
    assert says in error["message"]
