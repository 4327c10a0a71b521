"""How many SQL statements the workspace's pages issue: a fixed few whatever the number of themes
(no query per theme), and, while nothing changed, only the data-version check beyond signing in.
A figure reused from an earlier view must still change as soon as the data does, and a figure the
database now counts (the funnel) must equal the one counted row by row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.insights import measures
from askwhy.insights.channel_funnels import program_funnel
from askwhy.insights.selection import Selection
from askwhy.store import day_recount
from askwhy.store.analysis_tables import Theme
from askwhy.store.tables import Response
from tests.insights.test_funnel_counts import _abandon, _open, _say
from tests.workspace.conftest import Browser, SignIn
from tests.workspace.test_overview import figure

pytest_plugins = ("tests.insights.fixtures",)

FIRST_VIEWS = [
    ("/programs/reviews", 17),
    ("/programs/reviews/themes", 16),
    ("/programs/reviews/themes/FIRST", 20),
    ("/programs/reviews/why", 48),
]
"""Each page and the SELECTs of its first view, signing in included (the why page quotes both sides
of each of its largest effects, a few queries apiece: bounded by the effects shown, not the themes).
The counts come from the day tallies (`store.day_tallies`): a page asks once which of its
program's day cells wait to be recounted, and the overview asks the latest change of a response on
its own; a theme page keeps its selection's drivers per data version apart from the page and asks
which themes its program sees (`insights.program_codebook`: the only ones it may show or offer to
merge into), and why it moved reads the first and the last scored response from either end of an index."""
PAGES = (
    "/programs/reviews",
    "/programs/reviews/themes",
    "/programs/reviews/themes/FIRST",
    "/programs/reviews/why",
)


@pytest.fixture
def container(insights_container: Container) -> Container:
    """The workspace's container with the hashing embedder, so no model is loaded."""
    return insights_container


@contextmanager
def statements(container: Container) -> Iterator[list[str]]:
    """Every SELECT the engine runs inside the block, in order (not BEGIN or PRAGMA)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement = " ".join(str(args[2]).split())
        if statement.startswith("SELECT"):
            seen.append(statement)

    event.listen(container.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(container.engine, "before_cursor_execute", record)


def resolved(container: Container, path: str) -> str:
    """``path`` with FIRST standing for a live theme's id."""
    with container.reads() as session:
        first = session.scalars(select(Theme.id).where(Theme.status != "merged").order_by(Theme.id)).first()
    return path.replace("FIRST", str(first))


def viewed(browser: Browser, path: str) -> str:
    response = browser.get(path)
    assert response.status_code == 200, response.text
    return response.text


def add_themes(container: Container, count: int) -> None:
    """``count`` more accepted themes, so a query per theme would show as more statements."""
    now = container.clock.now()
    with container.sessions.begin() as session:
        session.add_all(
            Theme(
                label=f"Extra {i}",
                status="accepted",
                keywords=[],
                examples=[],
                created_at=now,
                updated_at=now,
            )
            for i in range(count)
        )


@pytest.mark.parametrize(("path", "limit"), FIRST_VIEWS)
def test_a_page_issues_as_many_statements_with_more_themes(
    analysed: Container, sign_in: SignIn, path: str, limit: int
) -> None:
    browser, path = sign_in(Role.ANALYST), resolved(analysed, path)
    with statements(analysed) as few:
        viewed(browser, path)
    add_themes(analysed, 20)
    with statements(analysed) as many:
        viewed(browser, path)
    assert len(many) == len(few), "\n".join(many)
    assert len(few) <= limit, "\n".join(few)


def test_the_overview_reads_the_theme_tallies_once_per_selection(
    analysed: Container, sign_in: SignIn
) -> None:
    day_recount.settle_everything(sessions=analysed.sessions)  # as the analysis worker does each minute
    with statements(analysed) as seen:
        viewed(sign_in(Role.ANALYST), "/programs/reviews")
    counting = [s for s in seen if "GROUP BY theme_days.day, theme_days.theme_id" in s]
    assert len(counting) == 2, (
        "per day, once for the selection (its themes and both comparison windows) and once for the "
        "program's part of the codebook (simulated responses too)"
    )
    assert not [s for s in seen if "FROM theme_mentions" in s], (
        "counted from the day tallies, not the mentions"
    )


@pytest.mark.parametrize("path", PAGES)
def test_an_unchanged_page_shown_again_only_checks_the_data_version(
    analysed: Container, sign_in: SignIn, path: str
) -> None:
    browser, path = sign_in(Role.ANALYST), resolved(analysed, path)
    first = viewed(browser, path)
    with statements(analysed) as seen:
        again = viewed(browser, path)
    assert again == first
    assert len(seen) <= 5, "signing in, the program, the theme, the data version:\n" + "\n".join(seen)
    assert not [s for s in seen if "GROUP BY" in s], "nothing is counted again"


def test_a_live_poll_is_one_query_beyond_signing_in(analysed: Container, sign_in: SignIn) -> None:
    browser = sign_in(Role.VIEWER)
    viewed(browser, "/programs/reviews/live")
    with statements(analysed) as seen:
        viewed(browser, "/programs/reviews/live")
    beyond = [s for s in seen if "people" not in s and "person_roles" not in s]
    assert len(beyond) <= 2, "the program (not a guide's) and the data version:\n" + "\n".join(beyond)


def test_a_new_response_changes_the_overview_shown_before(analysed: Container, sign_in: SignIn) -> None:
    browser = sign_in(Role.ANALYST)
    before = figure(viewed(browser, "/programs/reviews"), "responses")
    poll = browser.get("/programs/reviews/live").json()
    with analysed.sessions.begin() as session:
        model = session.scalars(select(Response).where(Response.program == "reviews").limit(1)).one()
        session.add(
            Response(
                program="reviews", guide_id=model.guide_id, channel=model.channel, metric=model.metric,
                score=model.score, band=model.band, answers=[], comment="", language=model.language,
                completion="completed", segment={}, responded_at=model.responded_at,
                updated_at=model.updated_at,
            )
        )  # fmt: skip
    assert figure(viewed(browser, "/programs/reviews"), "responses") == before + 1
    assert browser.get("/programs/reviews/live").json()["fingerprint"] != poll["fingerprint"]


def test_a_theme_renamed_in_the_workspace_shows_its_new_label_on_pages_shown_before(
    analysed: Container, sign_in: SignIn
) -> None:
    browser = sign_in(Role.ANALYST)
    with analysed.reads() as session:
        theme_id = session.scalars(select(Theme.id).where(Theme.status != "merged").limit(1)).one()
    path = f"/programs/reviews/themes/{theme_id}"
    for shown in ("/programs/reviews", "/programs/reviews/themes", path):
        assert "Renamed for the test" not in viewed(browser, shown)
    token = browser.csrf(path)
    answer = browser.post(f"{path}/rename", data={"label": "Renamed for the test", "csrf": token})
    assert answer.status_code == 303, answer.text
    for shown in ("/programs/reviews/themes", path):
        assert "Renamed for the test" in viewed(browser, shown), shown


def test_the_funnel_counted_by_the_database_is_the_funnel_of_every_conversation(
    insights_container: Container, insights_client: TestClient
) -> None:
    replied_then_left = _open(insights_client)
    _say(insights_client, replied_then_left, "9")
    _abandon(insights_container, replied_then_left)
    _abandon(insights_container, _open(insights_client))
    _open(insights_client)
    _say(insights_client, _open(insights_client), "STOP")
    selection = Selection(program="post-checkout")
    with insights_container.reads() as session:
        counted = program_funnel(session=session, selection=selection)
        one_by_one = measures.conversation_funnel(session=session, selection=selection)
    assert counted.overall == one_by_one
    assert (counted.overall.invited, counted.overall.started) == (4, 3)
    assert sum(c.funnel.invited for c in counted.by_channel) == 4
