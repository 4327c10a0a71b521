"""The workspace in Chromium, as its people use it: sign in, read, filter, edit themes, read a
conversation, compare periods, export, share, sign out, and see a new conversation arrive live.

Every page visited is checked with axe-core (no serious or critical violation) and with the
keyboard (the first Tab is the skip link, the skip link moves into the page, and Tab reaches the
page's main control), and a screenshot of it is saved under artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.people import Role
from askwhy.settings import Settings
from askwhy.store import people
from askwhy.store.alert_tables import AlertRow
from tests.browser import workspace_data
from tests.browser.accessibility import Findings
from tests.browser.workspace_data import EMAIL, PROGRAM, Person
from tests.workspace.test_alert_pages import open_alert

pytestmark = pytest.mark.browser
Shoot = Callable[[Any, str], Path]
Look = Callable[..., None]
OVERVIEW = f"/programs/{PROGRAM}"
IMPORTED = 240
"""Comments imported by the seed; one web chat adds one response more."""


@pytest.fixture
def container(settings: Settings, clock: FakeClock) -> Any:
    """Pages and analysis share a container with the hashing embedder: no model is loaded."""
    built = bootstrap(settings, clock=clock, embedder=HashingEmbedder())
    yield built
    built.close()


@pytest.fixture
def chat_id(container: Container, live_server: str, tmp_path: Path) -> str:
    """The program seeded; the id of its web chat conversation."""
    return workspace_data.seed(container, tmp_path=tmp_path, base_url=live_server)


@pytest.fixture
def axe() -> Findings:
    return Findings()


@pytest.fixture
def look(axe: Findings, screenshot: Shoot) -> Look:
    """``look(page, name, reaches=selector)``: the page just opened works from the keyboard,
    is photographed, and is checked by axe (the test ends with ``axe.assert_none()``)."""

    def visit(page: Any, name: str, *, reaches: str) -> None:
        if "#" in page.url:  # a form sent from a skipped-to page keeps "#main": start from the top again
            page.goto(page.url.split("#", 1)[0])
        screenshot(page, name)  # first: as the page opens, before the keyboard moves focus and scroll
        keyboard_reaches(page, name, reaches)
        axe.check(page, name)

    return visit


def keyboard_reaches(page: Any, name: str, reaches: str) -> None:
    """The first Tab is the skip link, it moves into the main content, and Tab reaches ``reaches``."""
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('a.skip')"), (
        f"{name}: first Tab is the skip link"
    )
    page.keyboard.press("Enter")
    assert page.url.endswith("#main"), f"{name}: the skip link goes to the main content"
    page.keyboard.press("Tab")
    inside = "() => document.querySelector('main').contains(document.activeElement)"
    assert page.evaluate(inside), f"{name}: after the skip link, Tab stays in the main content"
    for _ in range(120):
        if page.evaluate("(selector) => document.activeElement.matches(selector)", reaches):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{name}: Tab never reaches {reaches}")


def sign_in(page: Any, base: str, who: Person, look: Look | None = None) -> None:
    page.goto(f"{base}/sign-in")
    if look:
        look(page, "sign-in", reaches="#email")
    page.get_by_label("E-mail").fill(who.email)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def sign_out(page: Any, base: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/sign-in")  # the sign-out is done before the next page is asked for


def figure(page: Any, name: str) -> str:
    return str(page.locator(f'[data-figure="{name}"]').inner_text()).strip()


def test_an_analyst_signs_in_reads_the_overview_filters_it_and_signs_out(
    live_server: str, browser_page: Any, container: Container, chat_id: str, look: Look, axe: Findings
) -> None:
    page, analyst = browser_page, workspace_data.person(container, Role.ANALYST)
    sign_in(page, live_server, analyst, look)
    look(page, "home", reaches=f'a[href="{OVERVIEW}"]')
    page.get_by_role("link", name="After checkout").click()
    page.wait_for_url(f"{live_server}{OVERVIEW}")
    assert figure(page, "responses") == str(IMPORTED + 1)
    assert "simulated (demo) responses are excluded" in page.locator(".simulated-note").inner_text()
    look(page, "overview", reaches='form.filters button[type="submit"]')

    filters = page.get_by_role("search", name="Filters")
    filters.get_by_label("From").fill("2025-12-01")
    filters.get_by_label("Until").fill("2026-01-01")
    filters.get_by_label("Channel").fill("import")
    filters.get_by_role("button", name="Apply").click()
    page.wait_for_url("**channel=import**")
    assert figure(page, "responses") == str(IMPORTED // 4), "only December's imported comments"
    look(page, "overview-filtered", reaches='form.filters button[type="submit"]')

    sign_out(page, live_server)
    page.goto(f"{live_server}{OVERVIEW}")
    assert "/sign-in" in page.url or page.get_by_role("heading", name="Sign in").is_visible()
    assert page.locator('[data-figure="responses"]').count() == 0
    axe.assert_none()


def test_an_analyst_opens_a_theme_renames_it_and_merges_another_into_it(
    live_server: str, browser_page: Any, container: Container, chat_id: str, look: Look, axe: Findings
) -> None:
    page = browser_page
    sign_in(page, live_server, workspace_data.person(container, Role.ANALYST))
    page.goto(f"{live_server}{OVERVIEW}/themes")
    look(page, "themes", reaches="table.themes a")
    top_level = page.locator("table.themes tr:not(.subtheme) th a")
    assert top_level.count() >= 2
    other = top_level.nth(1).inner_text()
    top_level.first.click()
    page.wait_for_selector("#label")
    look(page, "theme", reaches="#label")

    page.get_by_label("Label").fill("Late deliveries")
    page.get_by_role("button", name="Rename").click()
    page.wait_for_selector("h1:has-text('Late deliveries')")

    page.goto(f"{live_server}{OVERVIEW}/themes")
    page.get_by_role("link", name=other, exact=True).click()
    page.wait_for_selector("#into")
    page.get_by_label("Merge into").select_option(label="Late deliveries")
    page.get_by_role("button", name="Merge", exact=True).click()
    page.wait_for_selector("h1:has-text('Late deliveries')")

    page.goto(f"{live_server}{OVERVIEW}/themes")
    labels = page.locator("table.themes th a").all_inner_texts()
    assert "Late deliveries" in labels
    assert other not in labels, "a merged theme leaves the codebook's table"
    page.get_by_role("link", name="History of edits").click()
    history = page.locator("table.history tbody tr")
    assert history.count() == 2
    assert page.get_by_role("button", name="Undo").count() == 2
    look(page, "theme-history", reaches="table.history button")
    axe.assert_none()


def test_a_conversation_is_redacted_for_an_analyst_and_raw_for_an_admin_who_gives_a_reason(
    live_server: str, browser_page: Any, container: Container, chat_id: str, look: Look, axe: Findings
) -> None:
    page = browser_page
    analyst, admin = (
        workspace_data.person(container, Role.ANALYST),
        workspace_data.person(container, Role.ADMIN),
    )
    sign_in(page, live_server, analyst)
    page.goto(f"{live_server}{OVERVIEW}/conversations")
    look(page, "conversations", reaches="table.conversation-list a")
    page.locator(f'a[href$="/conversations/{chat_id}"]').click()
    page.wait_for_url(f"**/conversations/{chat_id}")
    main = page.locator("main").inner_text()
    assert "[email]" in main
    assert EMAIL not in page.content()
    assert page.get_by_role("button", name="Show the raw text").count() == 0
    look(page, "conversation", reaches="main a")
    sign_out(page, live_server)

    sign_in(page, live_server, admin)
    page.goto(f"{live_server}{OVERVIEW}/conversations/{chat_id}")
    assert EMAIL not in page.content(), "redacted for admins too until they ask"
    page.get_by_label("Reason").fill("Customer asked us to reply by e-mail")
    page.get_by_role("button", name="Show the raw text").click()
    page.wait_for_selector(f"text={EMAIL}")
    look(page, "conversation-raw", reaches="main a")
    with container.sessions() as session:
        views = [e for e in people.audit_entries(session=session) if e.action == "transcript.raw_viewed"]
    assert len(views) == 1
    assert "Customer asked us to reply by e-mail" in str(views[0].detail)
    assert EMAIL not in str(views[0].detail)
    axe.assert_none()


def test_an_analyst_compares_two_periods_and_reads_why_it_moved(
    live_server: str, browser_page: Any, container: Container, chat_id: str, look: Look, axe: Findings
) -> None:
    page = browser_page
    sign_in(page, live_server, workspace_data.person(container, Role.ANALYST))
    page.goto(f"{live_server}{OVERVIEW}/why?period=month&channel=import")
    form = page.get_by_role("form", name="What to compare")
    form.get_by_label("Two periods").check()
    form.get_by_label("A day in the earlier period").fill("2025-11-15")
    form.get_by_label("A day in the later period").fill("2025-12-15")
    form.get_by_role("button", name="Compare").click()
    page.wait_for_url("**from=2025-11-15**")
    main = page.locator("main").inner_text()
    assert "2025-11" in main
    assert "2025-12" in main
    assert "Late" in main or "late" in main, "late deliveries explain December's drop"
    assert page.locator("main svg").count() >= 1, "the decomposition is drawn"
    look(page, "why", reaches='form.why-form button[type="submit"]')
    axe.assert_none()


def test_an_analyst_downloads_the_coded_responses_as_csv_and_excel_and_opens_them(
    live_server: str, browser_page: Any, container: Container, chat_id: str, look: Look, axe: Findings
) -> None:
    page = browser_page
    sign_in(page, live_server, workspace_data.person(container, Role.ANALYST))
    page.goto(f"{live_server}{OVERVIEW}/exports?channel=import")
    look(page, "exports", reaches='a[href*="responses.csv"]')
    row = page.locator("tr", has_text="Coded responses")
    with page.expect_download() as csv_download:
        row.get_by_role("link", name="CSV").click()
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == IMPORTED, "one row per imported response: the filter holds"
    assert any(r.get("themes") for r in rows), "responses carry their themes"
    assert EMAIL not in text
    assert "[email]" in text
    with page.expect_download() as xlsx_download:
        row.get_by_role("link", name="Excel").click()
    sheet = openpyxl.load_workbook(
        io.BytesIO(Path(xlsx_download.value.path()).read_bytes()), read_only=True
    ).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    assert len(table) == IMPORTED + 1
    assert list(table[0]) == list(rows[0].keys())
    axe.assert_none()


def test_a_share_link_opens_the_filtered_overview_signed_out_and_read_only(
    live_server: str, browser_page: Any, container: Container, chat_id: str, axe: Findings, screenshot: Shoot
) -> None:
    page = browser_page
    sign_in(page, live_server, workspace_data.person(container, Role.ANALYST))
    page.goto(f"{live_server}{OVERVIEW}/exports?channel=import")
    page.get_by_label("Expires after").select_option("7")
    page.get_by_role("button", name="Create share link").click()
    link = page.locator("input.share-url").first
    link.wait_for()
    url = link.input_value()
    assert "/shared/" in url

    signed_out = page.context.browser.new_context()
    try:
        visitor = signed_out.new_page()
        visitor.goto(url.replace("http://127.0.0.1:8000", live_server))
        assert figure(visitor, "responses") == str(IMPORTED), "the link keeps its filter: imported only"
        assert visitor.locator("form").count() == 0, "read-only: no form, no sign-out"
        assert visitor.locator("nav.tabs").count() == 0
        axe.check(visitor, "shared")
        screenshot(visitor, "shared")
    finally:
        signed_out.close()
    axe.assert_none()


def test_a_web_chat_completed_now_appears_on_the_open_overview_without_a_reload(
    live_server: str, browser_page: Any, container: Container, chat_id: str
) -> None:
    page = browser_page
    sign_in(page, live_server, workspace_data.person(container, Role.ANALYST))
    page.goto(f"{live_server}{OVERVIEW}")
    before = figure(page, "responses")
    page.evaluate("() => { window.notReloaded = true; }")
    workspace_data.chat(live_server, ("10", "Quick checkout and the parcel came early", "that's all", "no"))
    page.wait_for_function(
        "(before) => document.querySelector('[data-figure=\"responses\"]').textContent.trim() !== before",
        arg=before,
        timeout=10_000,
    )
    assert int(figure(page, "responses")) == int(before) + 1
    assert page.evaluate("() => window.notReloaded === true"), "the figures changed in place"


def test_an_analyst_reads_an_alerts_evidence_and_acknowledges_it(
    live_server: str, browser_page: Any, container: Container, chat_id: str, look: Look, axe: Findings
) -> None:
    page = browser_page
    alert_id = open_alert(container, PROGRAM)
    sign_in(page, live_server, workspace_data.person(container, Role.ANALYST))
    page.goto(f"{live_server}{OVERVIEW}/alerts")
    main = page.locator("main").inner_text()
    assert "late delivery: 35.0% of responses today (14 of 40), up from 4.9%" in main
    assert "write to me at [email] about it" in main
    look(page, "alerts", reaches="main form button")
    with page.expect_navigation():  # the form posts, then the alerts page comes back
        page.get_by_role("button", name="Acknowledge").click()
    with container.reads() as session:
        state = session.scalar(select(AlertRow.state).where(AlertRow.id == alert_id))
    assert state == "acknowledged"
    axe.assert_none()
