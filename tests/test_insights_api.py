"""The insights API: metrics, themes with quotes, drivers and changes, with clear 422s on bad queries."""

from __future__ import annotations

from fastapi.testclient import TestClient

from askwhy.bootstrap import Container

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
    assert len(detail["quotes"]) == 2
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


def test_two_days_of_the_same_period_are_a_422_not_a_change_of_zero(
    analysed: Container, insights_client: TestClient
) -> None:
    response = insights_client.get(
        "/v1/changes", params={"from": "2024-01-10", "to": "2024-01-20", "period": "month"}
    )
    assert response.status_code == 422
    assert "same month" in response.text
