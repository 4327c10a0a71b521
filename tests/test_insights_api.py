"""The insights API: metrics, themes with quotes, drivers and changes, with clear 422s on bad queries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from askwhy.bootstrap import Container
from askwhy.domain.scales import Metric
from askwhy.insights import importing
from askwhy.insights.feedback_files import ColumnMapping
from askwhy.store.analysis_tables import Theme, ThemeMention
from askwhy.store.tables import Response

pytest_plugins = ("tests.insights.fixtures",)


def test_metrics_come_with_intervals_and_n_per_period_and_segment(
    analysed: Container,
    insights_client: TestClient,
) -> None:
    body = insights_client.get("/v1/metrics", params={"period": "month"}).json()
    assert body["metric"] == "csat"
    assert body["period"] == "month"
    overall = body["overall"]
    assert overall["n"] == 160
    assert overall["low"] <= overall["value"] <= overall["high"]
    assert [p["key"] for p in body["trend"]] == ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]
    assert sum(p["n"] for p in body["trend"]) == 160
    assert {g["key"] for g in body["by_segment"]["Department"]} == {"Dresses", "Tops"}
    assert body["by_program"][0]["key"] == "reviews"
    assert body["funnel"] == {
        "invited": 0,
        "started": 0,
        "completed": 0,
        "start_rate": None,
        "completion_rate": None,
        "response_rate": None,
    }
    tops = insights_client.get("/v1/metrics", params={"segment": "Department:Tops"}).json()
    assert tops["overall"]["n"] == 80


def test_themes_list_and_one_theme_with_redacted_quotes(
    analysed: Container,
    insights_client: TestClient,
) -> None:
    themes = insights_client.get("/v1/themes").json()["themes"]
    assert themes
    assert {"id", "label", "status", "responses", "share", "sentiment", "keywords"} <= set(themes[0])
    detail = insights_client.get(f"/v1/themes/{themes[0]['id']}", params={"quotes": 2}).json()
    assert detail["id"] == themes[0]["id"]
    # The small file repeats a few sentences; quotes are never near-duplicates of each other.
    texts = [quote["text"] for quote in detail["quotes"]]
    assert 1 <= len(texts) <= 2
    assert len(set(texts)) == len(texts)
    assert {"text", "sentiment", "similarity", "response_id"} <= set(detail["quotes"][0])
    assert insights_client.get("/v1/themes/nope").status_code == 404


def test_drivers_and_changes(analysed: Container, insights_client: TestClient) -> None:
    drivers = insights_client.get("/v1/drivers").json()
    assert drivers["impact_label"] == "CSAT impact"
    assert drivers["drivers"]
    assert all(d["theme_id"] for d in drivers["drivers"])
    change = insights_client.get(
        "/v1/changes", params={"from": "2024-01-10", "to": "2024-04-02", "period": "month"}
    )
    assert change.status_code == 200, change.text
    body = change.json()
    assert (body["from"], body["to"]) == ("2024-01-01", "2024-04-01")
    explained = body["baseline"] + sum(e["total"] for e in body["effects"])
    assert abs(explained - body["delta"]) < 0.1
    assert body["narrative"].startswith("CSAT")
    latest = insights_client.get("/v1/changes", params={"period": "month"}).json()
    assert (latest["from"], latest["to"]) == ("2024-03-01", "2024-04-01")


def test_bad_queries_get_clear_422s(insights_client: TestClient) -> None:
    cases = {
        "/v1/changes?from=2024-01-01": "give both from and to",
        "/v1/changes?from=2024-02-01&to=2024-01-01": "to must be after from",
        "/v1/changes?from=yesterday&to=2024-01-01": "date",
        "/v1/metrics?segment=region": "NAME:VALUE",
        "/v1/metrics?metric=none": "nps, csat or ces",
        "/v1/metrics?period=year": "day",
    }
    for url, message in cases.items():
        response = insights_client.get(url)
        assert response.status_code == 422, url
        assert message in response.text, (url, response.text)


def test_no_scored_responses_is_404_with_a_reason(insights_client: TestClient) -> None:
    response = insights_client.get("/v1/metrics")
    assert response.status_code == 404
    assert "no scored responses" in response.json()["detail"]


def test_insights_need_an_api_key_with_the_read_scope(insights_client: TestClient) -> None:
    for url in ("/v1/metrics", "/v1/themes", "/v1/themes/x", "/v1/drivers", "/v1/changes"):
        assert insights_client.get(url, headers={"X-API-Key": ""}).status_code == 401, url


@pytest.mark.parametrize("name", ['a"b', "a\\b", "x" * 65, "a$[0]"])
def test_a_segment_name_that_is_no_name_is_a_422_not_a_database_error(
    analysed: Container, insights_client: TestClient, name: str
) -> None:
    response = insights_client.get("/v1/metrics", params={"segment": f"{name}:x"})
    assert response.status_code == 422
    assert "segment" in response.text


def test_a_segment_name_with_a_space_is_fine(analysed: Container, insights_client: TestClient) -> None:
    assert insights_client.get("/v1/metrics", params={"segment": "Division Name:General"}).status_code in {
        200,
        404,
    }


def test_two_days_of_the_same_period_are_a_422_not_a_change_of_zero(
    analysed: Container, insights_client: TestClient
) -> None:
    response = insights_client.get(
        "/v1/changes", params={"from": "2024-01-10", "to": "2024-01-20", "period": "month"}
    )
    assert response.status_code == 422
    assert "same month" in response.text


@pytest.fixture
def imported(insights_container: Container, reviews: Path) -> Container:
    """The reviews imported, no theme discovered yet."""
    importing.import_feedback(
        sessions=insights_container.sessions,
        path=reviews,
        mapping=ColumnMapping(
            text="Review Text", score="Rating", metric=Metric.CSAT, date="Date", id="id", segments=()
        ),
        program="reviews",
        channel="import",
        now=insights_container.clock.now(),
    )
    return insights_container


def test_drivers_and_changes_without_themes_are_empty_with_the_reason(
    imported: Container, insights_client: TestClient
) -> None:
    drivers = insights_client.get("/v1/drivers")
    assert drivers.status_code == 200, drivers.text
    assert drivers.json() == {
        "drivers": [],
        "reason": "no themes yet: run askwhy themes discover",
        "simulated": "excluded",
    }
    change = insights_client.get("/v1/changes", params={"period": "month"})
    assert change.status_code == 200, change.text
    assert change.json()["effects"] == []
    assert change.json()["reason"] == "no themes yet: run askwhy themes discover"


def test_drivers_when_no_selected_response_mentions_a_theme(
    analysed: Container, insights_client: TestClient
) -> None:
    with analysed.sessions.begin() as session:
        session.execute(delete(ThemeMention))
    body = insights_client.get("/v1/drivers").json()
    assert body["drivers"] == []
    assert body["reason"] == "no theme is mentioned by the responses selected"


def test_simulated_responses_count_only_when_asked_for(
    analysed: Container, insights_client: TestClient
) -> None:
    with analysed.sessions.begin() as session:
        tops = Response.segment["Department"].as_string() == "Tops"
        session.execute(update(Response).where(tops).values(simulated=True))
    real = insights_client.get("/v1/metrics").json()
    assert (real["overall"]["n"], real["simulated"]) == (80, "excluded")
    assert {g["key"] for g in real["by_segment"]["Department"]} == {"Dresses"}
    everything = insights_client.get("/v1/metrics", params={"include_simulated": "true"}).json()
    assert (everything["overall"]["n"], everything["simulated"]) == (160, "included")

    themes = insights_client.get("/v1/themes").json()
    with_simulated = insights_client.get("/v1/themes", params={"include_simulated": "true"}).json()
    assert themes["simulated"] == "excluded"
    assert sum(t["responses"] for t in themes["themes"]) < sum(
        t["responses"] for t in with_simulated["themes"]
    )
    theme_id = themes["themes"][0]["id"]
    detail = insights_client.get(f"/v1/themes/{theme_id}", params={"quotes": 100}).json()
    with analysed.sessions() as session:
        simulated_ids = set(session.scalars(select(Response.id).where(Response.simulated.is_(True))))
    assert detail["quotes"]
    assert not {q["response_id"] for q in detail["quotes"]} & simulated_ids

    drivers = insights_client.get("/v1/drivers").json()
    assert drivers["simulated"] == "excluded"
    assert drivers["overall"]["n"] == 80
    change = insights_client.get("/v1/changes", params={"period": "month"}).json()
    assert change["simulated"] == "excluded"
    assert change["before"]["n"] + change["after"]["n"] <= 40


def test_include_simulated_must_be_a_boolean(insights_client: TestClient) -> None:
    response = insights_client.get("/v1/metrics", params={"include_simulated": "perhaps"})
    assert response.status_code == 422
    assert "include_simulated" in response.text


def _fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[set[str]]:
    """The property names of a schema, one set per alternative when it is a union."""
    if "$ref" in schema:
        return _fields(spec, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]])
    if "anyOf" in schema:
        return [names for option in schema["anyOf"] for names in _fields(spec, option)]
    return [set(schema.get("properties", {}))]


WEIGHTED_ONLY = {"weighted", "simulated"}
"""What ``weighting=weighted`` answers: the weighted figures (with their raw twins) alone."""


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (
            "/v1/metrics",
            [
                {"metric", "period", "overall", "trend", "by_segment", "funnel", "weighted", "simulated"},
                WEIGHTED_ONLY,
            ],
        ),
        ("/v1/themes", [{"themes", "weighted", "simulated"}, WEIGHTED_ONLY]),
        (
            "/v1/themes/{theme_id}",
            [
                {"id", "label", "share", "quotes", "children", "created_at", "weighted", "simulated"},
                WEIGHTED_ONLY,
            ],
        ),
        (
            "/v1/drivers",
            [
                {"metric", "overall", "r_squared", "drivers", "weighted", "simulated"},
                {"drivers", "reason", "simulated"},
                WEIGHTED_ONLY,
            ],
        ),
        (
            "/v1/changes",
            [
                {"from", "to", "delta", "baseline", "effects", "narrative", "weighted", "simulated"},
                {"effects", "reason"},
                WEIGHTED_ONLY,
            ],
        ),
    ],
)
def test_the_openapi_schema_names_every_insights_field(
    insights_client: TestClient, path: str, named: list[set[str]]
) -> None:
    spec = insights_client.get("/openapi.json").json()
    schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    documented = _fields(spec, schema)
    assert len(documented) == len(named)
    for fields, expected in zip(documented, named, strict=True):
        assert expected <= fields, f"{path} documents {sorted(fields)}"


def test_nested_results_are_documented_too(insights_client: TestClient) -> None:
    schemas = insights_client.get("/openapi.json").json()["components"]["schemas"]
    assert {"value", "low", "high", "n", "method"} <= set(schemas["EstimateResult"]["properties"])
    assert {"key", "value", "n"} <= set(schemas["GroupResult"]["properties"])
    assert {"text", "similarity", "responded_at"} <= set(schemas["QuoteResult"]["properties"])
    assert {"theme_id", "impact", "weight_low", "significant"} <= set(schemas["DriverResult"]["properties"])
    weighted = set(schemas["WeightedResult"]["properties"])
    assert {"status", "explanation", "attributes", "effective_n", "design_effect", "not_weighted"} <= weighted
    assert {"raw", "weighted", "low", "high"} <= set(schemas["WeightedMetricResult"]["properties"])


def test_answers_keep_their_rounding_and_iso_times(analysed: Container, insights_client: TestClient) -> None:
    theme = insights_client.get("/v1/themes").json()["themes"][0]
    with analysed.sessions() as session:
        stored = session.get(Theme, theme["id"])
        assert stored is not None
        assert theme["created_at"] == stored.created_at.isoformat()  # Python's ISO form, as always
    assert theme["share"] == round(theme["share"], 4)
    change = insights_client.get("/v1/changes").json()
    assert change["from"] < change["to"]
    assert all(e["total"] == round(e["total"], 2) for e in change["effects"])
    drivers = insights_client.get("/v1/drivers").json()["drivers"]
    assert all(d["weight"] == round(d["weight"], 4) for d in drivers)
