"""Insight routes answer raw and weighted figures: both by default, one when asked, and raw only
(saying why) when the program names no weighting segments or a segment is too thin to weight."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.domain.program import Program
from tests.weighting.invited_store import add_invitations, add_program, skewed_population

pytest_plugins = ("tests.insights.fixtures",)
BY_PLAN = {"method": "post-stratification", "segments": ["plan"]}


def _store(container: Container, weighting: Mapping[str, object] | None, *, pro_responders: int = 25) -> None:
    with container.sessions.begin() as session:
        add_program(session, weighting=weighting)
        add_invitations(session, skewed_population(pro_responders=pro_responders))


def test_metrics_give_raw_and_weighted_by_default(
    insights_container: Container, insights_client: TestClient
) -> None:
    _store(insights_container, BY_PLAN)
    body = insights_client.get("/v1/metrics", params={"program": "renewal"}).json()
    assert body["overall"]["value"] == pytest.approx(60.0)  # 100 promoters, 25 detractors
    weighted = body["weighted"]
    assert weighted["status"] == "weighted"
    assert weighted["method"] == "post-stratification"
    assert weighted["attributes"] == ["plan"]
    # Basic and pro are half the invited each: half promoters, half detractors.
    assert weighted["metric"]["raw"] == pytest.approx(60.0)
    assert weighted["metric"]["weighted"] == pytest.approx(0.0, abs=1e-6)
    assert weighted["metric"]["low"] <= 0 <= weighted["metric"]["high"]
    # Weights 2 (basic) and 8 (pro): Kish n = 400² / (100·2² + 25·8²) = 80, design effect 125 / 80.
    assert weighted["effective_n"] == pytest.approx(80.0)
    assert weighted["design_effect"] == pytest.approx(1.5625, abs=1e-3)
    assert weighted["not_weighted"] == []
    assert "plan" in weighted["explanation"]


def test_weighting_raw_or_weighted_answers_one_of_them(
    insights_container: Container, insights_client: TestClient
) -> None:
    _store(insights_container, BY_PLAN)
    raw = insights_client.get("/v1/metrics", params={"program": "renewal", "weighting": "raw"}).json()
    assert raw["weighted"] is None
    assert raw["overall"]["n"] == 125
    only = insights_client.get("/v1/metrics", params={"program": "renewal", "weighting": "weighted"}).json()
    assert set(only) == {"weighted", "simulated"}
    assert only["weighted"]["metric"]["weighted"] == pytest.approx(0.0, abs=1e-6)
    themes = insights_client.get("/v1/themes", params={"program": "renewal"}).json()
    assert themes["weighted"]["status"] == "weighted"
    drivers = insights_client.get("/v1/drivers", params={"program": "renewal", "weighting": "weighted"})
    assert drivers.json()["weighted"]["design_effect"] == pytest.approx(1.5625, abs=1e-3)
    bad = insights_client.get("/v1/metrics", params={"program": "renewal", "weighting": "cooked"})
    assert bad.status_code == 422
    assert "weighting" in bad.text


def test_a_program_without_weighting_segments_is_raw_only_and_says_why(
    insights_container: Container, insights_client: TestClient
) -> None:
    _store(insights_container, None)
    weighted = insights_client.get("/v1/metrics", params={"program": "renewal"}).json()["weighted"]
    assert weighted["status"] == "raw only"
    assert weighted["metric"] is None
    assert "names no weighting segments" in weighted["reason"]
    everyone = insights_client.get("/v1/metrics").json()["weighted"]
    assert "choose one program" in everyone["reason"]


def test_a_thin_segment_is_not_weighted_and_is_named(
    insights_container: Container, insights_client: TestClient
) -> None:
    _store(insights_container, BY_PLAN, pro_responders=5)
    weighted = insights_client.get("/v1/metrics", params={"program": "renewal"}).json()["weighted"]
    assert weighted["status"] == "weighted"
    assert weighted["not_weighted"] == [{"segment": "plan=pro", "responders": 5, "population_share": 0.5}]
    assert any("fewer than 20 responders" in note for note in weighted["warnings"])
    # Pro keeps its raw share, so nothing is re-weighted: the weighted figure is the raw one.
    assert weighted["metric"]["weighted"] == pytest.approx(weighted["metric"]["raw"])


def test_raking_on_two_segments_through_the_api(
    insights_container: Container, insights_client: TestClient
) -> None:
    _store(insights_container, {"method": "raking", "segments": ["plan", "region"], "trim_at": 10})
    weighted = insights_client.get("/v1/metrics", params={"program": "renewal"}).json()["weighted"]
    assert weighted["method"] == "raking"
    assert weighted["attributes"] == ["plan", "region"]
    assert weighted["metric"]["weighted"] == pytest.approx(0.0, abs=0.01)


def test_the_program_yaml_names_a_bad_weighting_field() -> None:
    base = {"id": "p", "name": "p", "guide": "g", "moments": ["m"], "channels": [{"channel": "sms"}]}
    with pytest.raises(ValueError, match=r"weighting\.method"):
        Program.model_validate({**base, "weighting": {"method": "magic", "segments": ["plan"]}})
    with pytest.raises(ValueError, match="named twice: plan"):
        Program.model_validate({**base, "weighting": {"segments": ["plan", "plan"]}})
    with pytest.raises(ValueError, match=r"weighting\.segments"):
        Program.model_validate({**base, "weighting": {"segments": []}})
    plan = Program.model_validate({**base, "weighting": {"segments": ["plan"]}}).weighting
    assert plan is not None
    assert plan.method.value == "raking"
