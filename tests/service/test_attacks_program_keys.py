"""Attack: a system holding a key limited to one program reads another program's alerts, raw
transcripts, figures, quotes, exported responses or contact decisions, or changes settings that
serve every program.

Another program's data answers as if it did not exist (404, or an empty list), never as a 403 that
confirms it; settings that serve every program answer 403 to a limited key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.domain.alerts import Evidence, evidence_to_json
from askwhy.domain.conversation import Channel
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.store import alerts
from askwhy.store.alerts import EpisodeKey, NewAlert
from tests.invitations import invite_customer

pytest_plugins = ("tests.insights.fixtures",)


def key(container: Container, *programs: str, scopes: tuple[str, ...] = ("read",)) -> dict[str, str]:
    with container.sessions.begin() as session:
        _, text = api_keys.create_key(
            session=session, name="crm", scopes=scopes, programs=programs, now=container.clock.now()
        )
    return {"Authorization": f"Bearer {text}"}


@pytest.fixture
def alert_id(container: Container) -> str:
    now = container.clock.now()
    evidence = Evidence(
        what="late delivery up", value=0.3, baseline=0.05, low=2.0, high=None, since=now, n=40,
        baseline_n=2000, test="beta-binomial upper tail", p_value=1e-9,
    )  # fmt: skip
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


def test_alerts_of_another_program_are_not_found_and_stay_open(
    client: TestClient, container: Container, alert_id: str
) -> None:
    other = key(container, "pre-sales", scopes=("read", "alerts:write"))
    assert client.get("/v1/alerts", headers=other).json() == {"alerts": []}
    assert client.get("/v1/alerts", params={"program": "post-checkout"}, headers=other).status_code == 404
    assert client.get(f"/v1/alerts/{alert_id}", headers=other).json() == {"detail": "alert not found"}
    for action in ("acknowledge", "resolve"):
        refused = client.post(f"/v1/alerts/{alert_id}/{action}", headers=other)
        assert refused.status_code == 404
    own = key(container, "post-checkout")
    [alert] = client.get("/v1/alerts", headers=own).json()["alerts"]
    assert (alert["id"], alert["state"]) == (alert_id, "open")
    assert client.get(f"/v1/alerts/{alert_id}", headers=own).status_code == 200


def test_a_raw_transcript_of_another_program_is_not_found(client: TestClient, container: Container) -> None:
    conversation_id = invite_customer(container, phone="+447700900123", channel=Channel.WHATSAPP)
    path = f"/v1/transcripts/{conversation_id}"
    refused = client.get(path, headers=key(container, "pre-sales", scopes=("transcripts:read",)))
    assert refused.status_code == 404
    assert refused.json() == {"detail": "conversation not found"}
    assert (
        client.get(path, headers=key(container, "post-checkout", scopes=("transcripts:read",))).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/destinations"),
        ("GET", "/v1/webhook-subscriptions"),
        ("DELETE", "/v1/customers/cust-1"),
        ("DELETE", "/v1/alert-rules/some-rule"),
    ],
)
def test_settings_serving_every_program_need_a_key_for_every_program(
    method: str, path: str, client: TestClient, container: Container
) -> None:
    scopes = ("read", "alerts:write", "customers:delete")
    refused = client.request(method, path, headers=key(container, "post-checkout", scopes=scopes))
    assert refused.status_code == 403
    assert "every program" in refused.json()["detail"]
    assert client.request(method, path, headers=key(container, scopes=scopes)).status_code != 403


@pytest.fixture
def analysed_client(analysed: Container) -> Iterator[TestClient]:
    with TestClient(create_app(analysed)) as test_client:
        yield test_client


def test_figures_quotes_and_exports_of_another_program_are_not_given(
    analysed: Container, analysed_client: TestClient
) -> None:
    other, own = key(analysed, "pre-sales"), key(analysed, "reviews")
    for path in ("/v1/metrics", "/v1/themes", "/v1/drivers", "/v1/changes", "/v1/exports/responses"):
        named = analysed_client.get(path, params={"program": "reviews"}, headers=other)
        assert named.status_code == 404, path
        assert named.json() == {"detail": "no such program"}
    assert analysed_client.get("/v1/themes", headers=other).json()["themes"] == []
    themes = analysed_client.get("/v1/themes", headers=own).json()["themes"]
    assert themes
    stolen = analysed_client.get(f"/v1/themes/{themes[0]['id']}", headers=other)
    assert stolen.status_code == 404  # its label is the other program's customers' words
    assert analysed_client.get(f"/v1/themes/{themes[0]['id']}", headers=own).json()["quotes"]
    exported = analysed_client.get("/v1/exports/responses", params={"format": "jsonl"}, headers=other)
    assert exported.text == ""
    mine = analysed_client.get("/v1/exports/responses", params={"format": "jsonl"}, headers=own)
    assert len(mine.text.splitlines()) == 160
    assert analysed_client.get("/v1/metrics", headers=own).json()["overall"]["n"] == 160


def test_a_key_of_several_programs_names_the_one_it_reads(
    analysed: Container, analysed_client: TestClient
) -> None:
    both = key(analysed, "reviews", "pre-sales")
    unnamed = analysed_client.get("/v1/metrics", headers=both)
    assert unnamed.status_code == 422
    assert [error["field"] for error in unnamed.json()["errors"]] == ["query.program"]
    assert analysed_client.get("/v1/metrics", params={"program": "reviews"}, headers=both).status_code == 200


def test_the_funnel_of_another_program_is_not_found(client: TestClient, container: Container) -> None:
    params = {"program": "post-checkout"}
    refused = client.get("/v1/funnel", params=params, headers=key(container, "pre-sales"))
    assert refused.status_code == 404
    assert refused.json() == {"detail": "no such program"}
    reached = client.get("/v1/funnel", params=params, headers=key(container, "post-checkout"))
    assert reached.json() != {"detail": "no such program"}
