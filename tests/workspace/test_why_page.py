"""Why it moved: two periods or two segments, with the figures of /v1/changes, and plain messages
when there is nothing to compare."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.domain.scales import Metric
from askwhy.insights import analyse_responses, importing
from askwhy.insights.feedback_files import ColumnMapping
from tests.workspace.conftest import SignIn

pytest_plugins = ("tests.insights.fixtures",)
PAGE = "/programs/reviews/why"
REVIEWS = ColumnMapping(
    text="Review Text", score="Rating", metric=Metric.CSAT, date="Date", id="id", segments=("Department",)
)


@pytest.fixture
def container(insights_container: Container) -> Container:
    """The workspace's browsers and the API client share the container with the hashing embedder."""
    return insights_container


def figures(page: str) -> dict[str, object]:
    """The numbers the page shows, read from the data attributes beside each figure."""
    values = [float(v) for v in re.findall(r'class="why-value" data-value="([^"]+)"', page)]
    sizes = [int(v) for v in re.findall(r'class="n" data-value="([^"]+)"', page)]
    rows = re.findall(
        r'data-theme="([^"]+)".*?data-volume="([^"]+)".*?data-severity="([^"]+)".*?data-total="([^"]+)"',
        page,
        flags=re.S,
    )
    effects = {html.unescape(t): (float(v), float(s), float(total)) for t, v, s, total in rows}
    baseline = float(re.findall(r'data-baseline="([^"]+)"', page)[0])
    return {"values": values, "n": sizes, "effects": effects, "baseline": baseline}


def quote_dates(page: str) -> dict[str, list[str]]:
    """Side → the dates of the quotes shown under it, across the themes."""
    section = page[page.index('id="why-quotes"') :]
    dates: dict[str, list[str]] = {}
    for side, body in re.findall(r"<h4>([^<]+)</h4>(.*?)</div>", section, flags=re.S):
        dates.setdefault(html.unescape(side), []).extend(re.findall(r">(\d{4}-\d{2}-\d{2})</a>", body))
    return dates


def test_two_periods_show_exactly_what_the_changes_api_gives(
    analysed: Container, insights_client: TestClient, sign_in: SignIn
) -> None:
    query = {"period": "month", "from": "2024-01-10", "to": "2024-04-02"}
    api = insights_client.get("/v1/changes", params=query).json()
    page = sign_in(Role.VIEWER).get(PAGE, params=query)
    assert page.status_code == 200
    shown = figures(page.text)
    before, after, delta = shown["values"]  # type: ignore[misc]
    assert before == pytest.approx(api["before"]["value"], abs=0.005)
    assert after == pytest.approx(api["after"]["value"], abs=0.005)
    assert delta == pytest.approx(api["delta"], abs=0.005)
    assert shown["n"] == [api["before"]["n"], api["after"]["n"]]
    assert shown["baseline"] == pytest.approx(api["baseline"], abs=0.005)
    effects = shown["effects"]
    assert isinstance(effects, dict)
    assert set(effects) == {e["theme"] for e in api["effects"]}
    for e in api["effects"]:
        assert effects[e["theme"]] == pytest.approx(
            (e["volume_effect"], e["severity_effect"], e["total"]), abs=0.005
        )
    text = html.unescape(page.text)
    assert "month of 2024-01-01" in text
    assert "month of 2024-04-01" in text
    assert re.sub(r"\*", "", api["narrative"]) in re.sub(r"</?em>", "", text)
    assert ("not significant" in text) is (not api["significant"])
    assert 'class="chart chart-waterfall"' in page.text
    quoted = quote_dates(page.text)
    assert quoted["month of 2024-01-01"]
    assert quoted["month of 2024-04-01"]
    assert all(day.startswith("2024-01-") for day in quoted["month of 2024-01-01"])
    assert all(day.startswith("2024-04-") for day in quoted["month of 2024-04-01"])
    assert 'class="chart chart-effects"' in page.text


def test_by_default_the_last_two_periods_are_compared(
    analysed: Container, insights_client: TestClient, sign_in: SignIn
) -> None:
    api = insights_client.get("/v1/changes", params={"period": "month"}).json()
    page = sign_in(Role.ANALYST).get(PAGE, params={"period": "month"}).text
    assert "month of 2024-03-01" in page
    assert "month of 2024-04-01" in page
    assert figures(page)["values"][2] == pytest.approx(api["delta"], abs=0.005)  # type: ignore[index]


def test_two_segments_differ_by_what_the_metrics_api_gives_each(
    analysed: Container, insights_client: TestClient, sign_in: SignIn
) -> None:
    sides = {
        value: insights_client.get("/v1/metrics", params={"segment": f"Department:{value}"}).json()["overall"]
        for value in ("Dresses", "Tops")
    }
    query = {"compare": "segments", "by": "segment", "name": "Department", "a": "Dresses", "b": "Tops"}
    page = sign_in(Role.ANALYST).get(PAGE, params=query)
    assert page.status_code == 200
    shown = figures(page.text)
    before, after, delta = shown["values"]  # type: ignore[misc]
    assert before == pytest.approx(sides["Dresses"]["value"], abs=0.005)
    assert after == pytest.approx(sides["Tops"]["value"], abs=0.005)
    assert delta == pytest.approx(after - before)
    assert shown["n"] == [sides["Dresses"]["n"], sides["Tops"]["n"]]
    effects = shown["effects"]
    assert isinstance(effects, dict)
    total = shown["baseline"] + sum(t for _, _, t in effects.values())  # type: ignore[operator]
    assert total == pytest.approx(delta, abs=1e-6)
    text = html.unescape(page.text)
    assert "Department Dresses → Department Tops" in text
    assert "for Department Tops vs" in text  # the paragraph names the sides, not "now" and "before"
    assert "In customers' words" in text
    assert text.count("<blockquote") >= 2


def test_one_empty_side_or_one_value_twice_is_a_message_not_an_error(
    analysed: Container, sign_in: SignIn
) -> None:
    browser = sign_in(Role.ANALYST)
    empty = browser.get(PAGE, params={"compare": "segments", "by": "channel", "a": "import", "b": "web"})
    assert empty.status_code == 200
    assert "no csat responses for channel web" in empty.text
    same = browser.get(PAGE, params={"compare": "segments", "by": "language", "a": "en", "b": "en"})
    assert same.status_code == 200
    assert "choose two different values" in same.text
    missing = browser.get(PAGE, params={"compare": "segments", "by": "segment", "a": "Dresses"})
    assert "Segment name:" in missing.text
    assert "First and second value:" in missing.text
    month = browser.get(PAGE, params={"period": "month", "from": "2024-01-10", "to": "2024-01-20"})
    assert "same month" in month.text


def test_no_score_and_no_theme_are_said_plainly(
    insights_container: Container, reviews: Path, sign_in: SignIn
) -> None:
    importing.import_feedback(
        sessions=insights_container.sessions, path=reviews, mapping=REVIEWS, program="reviews",
        channel="import", now=insights_container.clock.now(),
    )  # fmt: skip
    analyse_responses.enrich_pending(
        sessions=insights_container.sessions, enricher=insights_container.enricher,
        rule=insights_container.assignment_rule, now=insights_container.clock.now,
    )  # fmt: skip
    browser = sign_in(Role.ANALYST)
    unthemed = browser.get(PAGE, params={"period": "month"})
    assert unthemed.status_code == 200
    assert "no themes yet: run askwhy themes discover" in unthemed.text
    unscored = browser.get(PAGE, params={"segment": "Department:Shoes"})
    assert unscored.status_code == 200
    assert "Nothing to compare: no scored responses match" in unscored.text


def test_a_program_without_a_role_is_404(analysed: Container, sign_in: SignIn) -> None:
    browser = sign_in(None, programs={"post-checkout": Role.ADMIN})
    assert browser.get(PAGE).status_code == 404
