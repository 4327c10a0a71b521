"""The overview of a program: figures with their n, filters that change them, real data only by
default, an empty state that says how to get real data, and only for people with a role in it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from starlette.requests import Request

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.insights.selection import start_of
from askwhy.service.app import create_app
from askwhy.service.workspace.filters import Filters
from askwhy.service.workspace.overview import overview_context
from askwhy.store.analysis_tables import ResponseAnalysis
from askwhy.store.tables import Response
from tests.workspace.conftest import Browser, SignIn

pytest_plugins = ("tests.insights.fixtures",)


@pytest.fixture
def container(insights_container: Container) -> Container:
    """The workspace's container with the hashing embedder, so no model is loaded."""
    return insights_container


def figure(page: str, name: str) -> int:
    match = re.search(rf'data-figure="{name}">(-?[\d.]+)<', page)
    assert match, f"the page shows the {name} figure"
    return int(float(match.group(1)))


def metric_n(page: str) -> int:
    match = re.search(r"95% CI -?[\d.]+ to -?[\d.]+, n = (\d+)", page)
    assert match, "the metric is shown with its interval and n"
    return int(match.group(1))


def overview(browser: Browser, program: str = "reviews", **params: str) -> str:
    response = browser.get(f"/programs/{program}", params=params)
    assert response.status_code == 200, response.text
    return response.text


def _set(container: Container, values: dict[str, object], *, every: int, offset: int = 0) -> int:
    """Give every ``every``-th response (by id) ``values``; returns how many changed."""
    with container.sessions.begin() as session:
        ids = list(session.scalars(select(Response.id).order_by(Response.id)))[offset::every]
        session.execute(update(Response).where(Response.id.in_(ids)).values(**values))
    return len(ids)


def test_the_metric_responses_and_themes_show_with_their_n(analysed: Container, sign_in: SignIn) -> None:
    page = overview(sign_in(Role.ANALYST))
    assert figure(page, "responses") == 160
    assert metric_n(page) == 160
    assert "CSAT" in page
    assert '<svg class="chart chart-trend"' in page
    assert "n=" in page, "every trend point is labelled with its n"
    with analysed.reads() as session:
        enriched = session.scalar(select(func.count()).select_from(ResponseAnalysis))
    assert f"Share of the n = {enriched} analysed responses" in page
    assert re.search(r'href="/programs/reviews/themes/[0-9a-f]+">', page), "each theme links to its page"
    tops = overview(sign_in(Role.VIEWER), segment="Department:Tops")
    assert re.search(r'href="/programs/reviews/themes/[0-9a-f]+\?segment=Department%3ATops">', tops)
    assert "Largest movers" in page
    assert "Only real responses are counted" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"segment": "Department:Tops"}, 80),
        ({"since": "2024-03-01", "until": "2024-05-01"}, 80),
        ({"channel": "web"}, 40),
        ({"language": "es"}, 32),
    ],
)
def test_filters_change_the_figures(
    analysed: Container, sign_in: SignIn, params: dict[str, str], expected: int
) -> None:
    assert _set(analysed, {"channel": "web"}, every=4) == 40
    assert _set(analysed, {"language": "es"}, every=5) == 32
    page = overview(sign_in(Role.VIEWER), **params)
    assert figure(page, "responses") == expected
    assert metric_n(page) == expected


def test_simulated_responses_are_left_out_unless_switched_on(analysed: Container, sign_in: SignIn) -> None:
    simulated = _set(analysed, {"simulated": True}, every=4)
    browser = sign_in(Role.ANALYST)
    real_only = overview(browser)
    assert figure(real_only, "responses") == 160 - simulated
    assert f"{simulated} simulated responses left out" in real_only
    assert "simulated (demo) responses are excluded" in real_only
    everything = overview(browser, simulated="on")
    assert figure(everything, "responses") == 160
    assert metric_n(everything) == 160
    assert "Simulated (demo) responses are <strong>included</strong>" in everything


def test_only_simulated_data_explains_how_to_get_real_data(analysed: Container, sign_in: SignIn) -> None:
    _set(analysed, {"simulated": True}, every=1)
    browser = sign_in(Role.ANALYST)
    page = overview(browser)
    assert "No real responses yet" in page
    assert "160 simulated (demo) responses" in page
    assert "askwhy import FILE.csv --program reviews" in page
    assert "POST /v1/events" in page
    assert 'href="?simulated=on"' in page
    assert 'data-figure="responses"' not in page
    assert figure(overview(browser, simulated="on"), "responses") == 160


def test_a_program_with_no_response_shows_an_empty_state_with_its_chat_link(sign_in: SignIn) -> None:
    page = overview(sign_in(Role.VIEWER), "post-checkout")
    assert "No responses yet" in page
    assert 'href="/chat/post-checkout"' in page
    assert "askwhy import FILE.csv --program post-checkout" in page
    assert "POST /v1/events" in page


def test_the_funnel_counts_web_chats_by_channel(container: Container, sign_in: SignIn) -> None:
    browser = sign_in(Role.ANALYST)
    for _ in range(3):
        assert browser.post("/v1/conversations", json={"program": "post-checkout"}).status_code == 201
    page = overview(browser, "post-checkout")
    assert '<svg class="chart chart-funnel"' in page
    assert re.search(r'<th scope="row">web</th><td class="num">3</td>', page)


def test_movers_compare_the_filtered_window_with_the_one_before(analysed: Container, sign_in: SignIn) -> None:
    page = overview(sign_in(Role.ANALYST), since="2024-04-01", until="2024-05-01")
    with analysed.reads() as session:
        now = _enriched_between(session, date(2024, 4, 1), date(2024, 5, 1))
        before = _enriched_between(session, date(2024, 3, 2), date(2024, 4, 1))
    assert "from 2024-04-01 to 2024-04-30 against the 30 days before" in page
    assert f"n = {now} and {before} analysed responses" in page
    movers = page.split("Largest movers", 1)[1]
    before_cell = r'[+-]\d+\.\d pts</td>\s*<td class="num">[\d.]+% <span class="muted">\(\d+ of n = '
    assert re.search(before_cell + str(before), movers), "each mover shows its share before with its n"


def _enriched_between(session: Session, since: date, until: date) -> int:
    query = (
        select(func.count())
        .select_from(ResponseAnalysis)
        .join(Response)
        .where(Response.responded_at >= start_of(since), Response.responded_at < start_of(until))
    )
    return int(session.scalar(query) or 0)


def test_a_viewer_reads_and_a_stranger_to_the_program_gets_404(analysed: Container, sign_in: SignIn) -> None:
    viewer = sign_in(None, programs={"reviews": Role.VIEWER})
    assert figure(overview(viewer), "responses") == 160
    stranger = sign_in(None, programs={"post-checkout": Role.ANALYST})
    assert stranger.get("/programs/reviews").status_code == 404
    assert stranger.get("/programs/reviews/live").status_code == 404


def test_home_lists_each_program_with_its_responses(analysed: Container, sign_in: SignIn) -> None:
    _set(analysed, {"simulated": True}, every=4)
    page = sign_in(Role.VIEWER).get("/")
    assert page.status_code == 200
    assert re.search(r'<a href="/programs/reviews"><strong>reviews</strong></a>\s*· 120 responses', page.text)
    assert "and 40 simulated" in page.text
    assert 'href="/programs/post-checkout"' in page.text
    scoped = sign_in(None, programs={"reviews": Role.ANALYST}).get("/").text
    assert 'href="/programs/reviews"' in scoped
    assert "post-checkout" not in scoped


def test_a_read_only_overview_has_no_form_and_no_live_script(analysed: Container) -> None:
    app = create_app(analysed)
    context = overview_context(container=analysed, program="reviews", filters=Filters(channel="import"))
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "app": app, "router": app.router}
    context.update(request=Request(scope), viewer=None, read_only=True)
    page = app.state.templates.get_template("workspace/overview.html").render(context)
    assert figure(page, "responses") == 160
    assert "channel import" in page
    assert "<form" not in page
    assert "workspace.js" not in page
    assert "data-live" not in page
