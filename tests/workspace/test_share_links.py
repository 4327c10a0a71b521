"""Share links: an analyst shares a read-only, filtered overview; anyone with the link sees it
signed out until it expires or is revoked; tampered links, viewers and missing CSRF are refused."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from askwhy.bootstrap import Container
from askwhy.clock import FakeClock
from askwhy.domain.people import Role
from askwhy.service.access_log import masked
from askwhy.service.app import create_app
from askwhy.store import people
from tests.workspace.conftest import Browser, SignIn

pytest_plugins = ("tests.insights.fixtures",)
EXPORTS = "/programs/reviews/exports"
CREATE = "/programs/reviews/share-links"
SECRET_EMAIL = "ann.private@example.org"


@pytest.fixture
def reviews(tmp_path: Path) -> Path:
    """The small reviews file, with one review that gives an e-mail address."""
    from tests.insights.fixtures import write_reviews  # a plugin of this module: imported once loaded

    path = write_reviews(tmp_path / "reviews.csv")
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(
            ["r-mail", f"The delivery was late, write to {SECRET_EMAIL}.", 1, "2024-02-03", "Tops"]
        )
    return path


@pytest.fixture
def container(analysed: Container) -> Container:
    return analysed


@pytest.fixture
def stranger(container: Container) -> TestClient:
    """A browser that never signed in."""
    with TestClient(create_app(container), follow_redirects=False) as client:
        yield client


def _share(browser: Browser, *, query: str = "", days: str = "7") -> str:
    """Create a link from the exports page of ``query``; the path of the new link."""
    csrf = browser.csrf(f"{EXPORTS}?{query}")
    made = browser.post(f"{CREATE}?{query}", data={"csrf": csrf, "days": days})
    assert made.status_code == 303, made.text
    assert made.headers["location"].startswith(EXPORTS)
    return _links(browser)[0]


def _links(browser: Browser) -> list[str]:
    page = browser.get(EXPORTS).text
    return re.findall(r'value="https?://[^"/]+(/shared/[^"]+)"', page)


def test_a_shared_link_opens_the_filtered_overview_read_only_signed_out(
    container: Container, sign_in: SignIn, stranger: TestClient
) -> None:
    analyst = sign_in(None, programs={"reviews": Role.ANALYST})
    path = _share(analyst, query="segment=Department%3ATops&period=month")
    page = stranger.get(path)
    assert page.status_code == 200
    assert "Shared view of" in page.text
    assert "read-only, expires 2026-01-12" in page.text
    assert "<form" not in page.text, "no filter bar, no sign-out, no edits"
    assert 'name="csrf"' not in page.text
    assert 'href="/programs/' not in page.text, "no tabs to pages that need a sign-in"
    assert SECRET_EMAIL not in page.text
    assert "Tops" in page.text, "the page names the filters it shows"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_creating_and_opening_are_audited_without_the_token(
    container: Container, sign_in: SignIn, stranger: TestClient
) -> None:
    analyst = sign_in(Role.ANALYST)
    path = _share(analyst, query="segment=Department%3ATops", days="30")
    token = path.removeprefix("/shared/")
    assert stranger.get(path).status_code == 200
    with container.reads() as session:
        entries = people.audit_entries(session=session)
    created = next(e for e in entries if e.action == "share.created")
    opened = next(e for e in entries if e.action == "share.opened")
    assert created.person_id == analyst.person_id
    assert created.detail["filters"] == "segment=Department%3ATops"
    assert created.detail["days"] == 30
    assert opened.target == created.target
    assert opened.person_id is None
    assert all(token not in f"{e.target} {e.detail}" for e in entries)
    assert masked(f"{path}?x=1") == "/shared/…?x=1", "the access log masks the token"


def test_a_tampered_link_is_refused_with_a_clear_page(
    container: Container, sign_in: SignIn, stranger: TestClient
) -> None:
    path = _share(sign_in(Role.ANALYST))
    flipped = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    for broken in (flipped, path[:-10], "/shared/not-a-token"):
        page = stranger.get(broken)
        assert page.status_code == 404, broken
        assert "This link does not work" in page.text


def test_an_expired_link_answers_410(
    container: Container, sign_in: SignIn, stranger: TestClient, clock: FakeClock
) -> None:
    path = _share(sign_in(Role.ANALYST), days="1")
    clock.advance(hours=23)
    assert stranger.get(path).status_code == 200
    clock.advance(hours=2)
    page = stranger.get(path)
    assert page.status_code == 410
    assert "expired on 2026-01-06" in page.text


def test_a_revoked_link_answers_410_and_leaves_the_list(
    container: Container, sign_in: SignIn, stranger: TestClient
) -> None:
    analyst = sign_in(Role.ANALYST)
    path = _share(analyst)
    link_id = re.search(r"/share-links/([0-9a-f]+)/revoke", analyst.get(EXPORTS).text)
    assert link_id
    viewer = sign_in(None, programs={"reviews": Role.VIEWER})
    revoke = f"{CREATE}/{link_id.group(1)}/revoke"
    assert viewer.post(revoke, data={"csrf": viewer.csrf(EXPORTS)}).status_code == 403
    assert analyst.post(revoke, data={}).status_code == 403, "no CSRF token"
    assert analyst.post(revoke, data={"csrf": analyst.csrf(EXPORTS)}).status_code == 303
    assert _links(analyst) == []
    page = stranger.get(path)
    assert page.status_code == 410
    assert "revoked" in page.text
    assert analyst.post(revoke, data={"csrf": analyst.csrf(EXPORTS)}).status_code == 404


def test_a_viewer_cannot_create_a_link(container: Container, sign_in: SignIn) -> None:
    viewer = sign_in(None, programs={"reviews": Role.VIEWER})
    answer = viewer.post(CREATE, data={"csrf": viewer.csrf(EXPORTS), "days": "7"})
    assert answer.status_code == 403
    assert "Create share link" not in viewer.get(EXPORTS).text


def test_a_form_without_its_csrf_token_is_refused(container: Container, sign_in: SignIn) -> None:
    analyst = sign_in(Role.ANALYST)
    assert analyst.post(CREATE, data={"days": "7"}).status_code == 403
    assert analyst.post(CREATE, data={"csrf": "0" * 64, "days": "7"}).status_code == 403
    assert _links(analyst) == []


def test_only_the_offered_expiries_are_accepted(container: Container, sign_in: SignIn) -> None:
    analyst = sign_in(Role.ANALYST)
    answer = analyst.post(CREATE, data={"csrf": analyst.csrf(EXPORTS), "days": "365"})
    assert answer.status_code == 422
    assert "expires" in answer.text


def test_an_analyst_of_another_program_cannot_share_this_one(container: Container, sign_in: SignIn) -> None:
    path = _share(sign_in(Role.ANALYST))
    del path
    outsider = sign_in(None, programs={"post-checkout": Role.ANALYST})
    csrf = outsider.csrf("/")
    assert outsider.post(CREATE, data={"csrf": csrf, "days": "7"}).status_code == 404
    assert outsider.get(EXPORTS).status_code == 404
    with container.reads() as session:
        entries = people.audit_entries(session=session)
    link_id = next(e.target for e in entries if e.action == "share.created")
    assert outsider.post(f"{CREATE}/{link_id}/revoke", data={"csrf": csrf}).status_code == 404
