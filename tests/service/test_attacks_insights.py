"""Attacks on the routes that read figures, added today: the funnel (``GET /v1/funnel``) and the
weighting parameter of the insight routes. Without the ``read`` scope nothing is answered, hostile
parameters are a clear 4xx naming the parameter, and a program that invited nobody looks the same
whatever its name."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.service import api_keys

INSIGHTS = ("/v1/metrics", "/v1/themes", "/v1/drivers")


def key(container: Container, *scopes: str) -> dict[str, str]:
    with container.sessions.begin() as session:
        _, text = api_keys.create_key(session=session, name="bi", scopes=scopes, now=container.clock.now())
    return {"Authorization": f"Bearer {text}"}


@pytest.mark.parametrize(
    "path", ["/v1/funnel?program=post-checkout", *(f"{p}?weighting=raw" for p in INSIGHTS)]
)
def test_figures_need_a_key_with_the_read_scope(path: str, client: TestClient, container: Container) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer " + "k" * 40}).status_code == 401
    refused = client.get(path, headers=key(container, "events:write"))
    assert refused.status_code == 403
    assert "read" in refused.text


@pytest.mark.parametrize(
    ("query", "status", "names"),
    [
        ("program=" + "p" * 101, 422, "program"),
        ("program=", 422, "program"),
        ("", 422, "program"),
        ("program=post-checkout&since=2026-02-01&until=2026-01-01", 422, "until"),
        ("program=post-checkout&since=yesterday", 422, "since"),
        ("program=post-checkout%00", 400, "NUL"),
        ("program=post-checkout&include_simulated=maybe", 422, "include_simulated"),
    ],
)
def test_hostile_funnel_parameters_are_a_clear_4xx(
    query: str, status: int, names: str, client: TestClient, container: Container
) -> None:
    answer = client.get(f"/v1/funnel?{query}", headers=key(container, "read"))
    assert answer.status_code == status, answer.text
    assert names in answer.text


@pytest.mark.parametrize("program", ["post-checkout", "no-such-program", "<script>alert(1)</script>"])
def test_a_program_that_invited_nobody_is_404_whatever_its_name(
    program: str, client: TestClient, container: Container
) -> None:
    answer = client.get("/v1/funnel", params={"program": program}, headers=key(container, "read"))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert set(answer.json()) == {"detail"}


@pytest.mark.parametrize("path", INSIGHTS)
@pytest.mark.parametrize("weighting", ["WEIGHTED", "both", "raw;drop", "<b>", "w" * 5000])
def test_a_weighting_other_than_raw_or_weighted_is_422_naming_it(
    path: str, weighting: str, client: TestClient, container: Container
) -> None:
    answer = client.get(path, params={"weighting": weighting}, headers=key(container, "read"))
    assert answer.status_code == 422, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == ["query.weighting"]
