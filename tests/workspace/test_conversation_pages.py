"""Conversations: the list a page at a time, one conversation redacted for everyone, and the raw text
only for admins, after a reason that the audit log keeps without the text."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.domain.scales import Metric
from askwhy.insights import analyse_responses, importing
from askwhy.insights.feedback_files import ColumnMapping
from askwhy.privacy.retention import purge_raw_transcripts
from askwhy.store import people
from askwhy.store.tables import Response
from tests.workspace.conftest import Browser, SignIn

pytest_plugins = ("tests.insights.fixtures",)
PROGRAM = "post-checkout"
EMAIL, PHONE = "jane.doe@example.com", "+44 20 7946 0958"
SECRET_ANSWER = f"The parcel came late, write to {EMAIL} or call {PHONE} please"
MAPPING = ColumnMapping(
    text="text", score="score", metric=Metric.CSAT, date="date", id="id", segments=("Department",)
)


@pytest.fixture
def container(insights_container: Container) -> Container:
    """Pages and analysis share a container with the hashing embedder (no model is loaded)."""
    return insights_container


def import_rows(container: Container, tmp_path: Path, rows: int, *, program: str = PROGRAM) -> None:
    """``rows`` imported comments, one an hour from 2024-01-01, the first with an e-mail address."""
    path = tmp_path / f"{program}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "score", "date", "Department"])
        for i in range(rows):
            text = f"Comment {i}: delivery was slow" if i else f"Mail me at {EMAIL} about the refund"
            when = f"2024-01-{1 + i // 24:02d}T{i % 24:02d}:00:00"
            writer.writerow([f"r{i}", text, 1 + i % 5, when, ["Dresses", "Tops"][i % 2]])
    importing.import_feedback(
        sessions=container.sessions, path=path, mapping=MAPPING, program=program, channel="import",
        now=container.clock.now(),
    )  # fmt: skip


def chat(browser: Browser, program: str = PROGRAM) -> str:
    """A web chat conversation: a score of 3, then an answer holding an e-mail address and a phone."""
    opened = browser.post("/v1/conversations", json={"program": program, "language": "en"}).json()
    headers = {"Authorization": f"Bearer {opened['token']}"}
    for text in ("3", SECRET_ANSWER):
        url = f"/v1/conversations/{opened['conversation_id']}/messages"
        assert browser.post(url, json={"text": text}, headers=headers).status_code == 200
    return str(opened["conversation_id"])


def rows_of(page: str) -> list[tuple[str, str]]:
    """(link, date) of every row of the list."""
    return re.findall(r'<td><a href="([^"]+)">([0-9: -]+)</a>', page)


def audit(container: Container) -> list[people.AuditEntry]:
    with container.sessions() as session:
        return [e for e in people.audit_entries(session=session) if e.action == "transcript.raw_viewed"]


def test_the_list_is_paged_newest_first_fifty_a_page(
    container: Container, sign_in: SignIn, tmp_path: Path
) -> None:
    import_rows(container, tmp_path, 120)
    browser = sign_in(Role.VIEWER)
    first = browser.get(f"/programs/{PROGRAM}/conversations")
    assert first.status_code == 200
    rows = rows_of(first.text)
    assert len(rows) == 50
    dates = [datetime.strptime(d, "%Y-%m-%d %H:%M") for _, d in rows]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == datetime(2024, 1, 5, 23)  # the 120th row, the newest
    assert 'rel="next" href="?page=2"' in first.text
    assert 'rel="prev"' not in first.text
    last = browser.get(f"/programs/{PROGRAM}/conversations", params={"page": 3})
    assert len(rows_of(last.text)) == 20
    assert 'rel="prev" href="?page=2"' in last.text
    assert 'rel="next"' not in last.text
    assert "Page 3 of 3" in last.text
    assert all(link.startswith(f"/programs/{PROGRAM}/responses/") for link, _ in rows)


def test_the_list_follows_the_filters(container: Container, sign_in: SignIn, tmp_path: Path) -> None:
    import_rows(container, tmp_path, 60)
    browser = sign_in(Role.ANALYST)
    conversation_id = chat(browser)
    url = f"/programs/{PROGRAM}/conversations"
    assert len(rows_of(browser.get(url).text)) == 50
    tops = browser.get(url, params={"segment": "Department:Tops", "page": 1}).text
    assert "30 responses" in tops
    assert "segment=Department%3ATops" in browser.get(url, params={"segment": "Department:Tops"}).text
    web = rows_of(browser.get(url, params={"channel": "web"}).text)
    assert [link for link, _ in web] == [f"/programs/{PROGRAM}/conversations/{conversation_id}"]
    day = browser.get(url, params={"since": "2024-01-02", "until": "2024-01-03"}).text
    assert len(rows_of(day)) == 24


def test_a_conversation_is_redacted_for_an_analyst_with_its_score_and_no_raw_form(
    sign_in: SignIn,
) -> None:
    analyst = sign_in(Role.ANALYST)
    conversation_id = chat(analyst)
    page = analyst.get(f"/programs/{PROGRAM}/conversations/{conversation_id}")
    assert page.status_code == 200
    assert EMAIL not in page.text
    assert "7946" not in page.text
    assert "[email]" in page.text
    assert "[phone]" in page.text
    assert page.text.index("Interviewer") < page.text.index("Customer")  # questions and answers in order
    assert "The parcel came late" in page.text
    assert re.search(r"<dt>Score</dt><dd>3 ", page.text)
    assert "Show the raw text" not in page.text


def test_an_imported_response_has_a_page_too_redacted(
    container: Container, sign_in: SignIn, tmp_path: Path
) -> None:
    import_rows(container, tmp_path, 3)
    viewer = sign_in(None, programs={PROGRAM: Role.VIEWER})
    link = rows_of(viewer.get(f"/programs/{PROGRAM}/conversations").text)[-1][0]  # the oldest, with an e-mail
    page = viewer.get(link)
    assert page.status_code == 200
    assert "Imported response" in page.text
    assert "Mail me at [email] about the refund" in page.text
    assert EMAIL not in page.text


def test_an_admin_reads_the_raw_text_after_a_reason_that_is_logged_without_the_text(
    container: Container, sign_in: SignIn
) -> None:
    admin = sign_in(Role.ADMIN)
    conversation_id = chat(admin)
    path = f"/programs/{PROGRAM}/conversations/{conversation_id}"
    assert "Show the raw text" in admin.get(path).text
    reason = "Customer asked us to call back; need the number"
    shown = admin.post(f"{path}/raw", data={"csrf": admin.csrf(path), "reason": reason})
    assert shown.status_code == 200
    assert EMAIL in shown.text
    assert PHONE in shown.text
    assert shown.headers["cache-control"] == "no-store"
    [entry] = audit(container)
    assert entry.person_id == admin.person_id
    assert entry.target == conversation_id
    assert entry.detail["reason"] == reason
    assert entry.detail["conversation_id"] == conversation_id
    logged = json.dumps(entry.detail)
    assert EMAIL not in logged
    assert "7946" not in logged
    assert "parcel" not in logged


def test_a_missing_or_short_reason_shows_the_form_again_naming_the_field(
    container: Container, sign_in: SignIn
) -> None:
    admin = sign_in(Role.OWNER)
    conversation_id = chat(admin)
    path = f"/programs/{PROGRAM}/conversations/{conversation_id}"
    for data in ({"csrf": admin.csrf(path)}, {"csrf": admin.csrf(path), "reason": "why"}):
        again = admin.post(f"{path}/raw", data=data)
        assert again.status_code == 422
        assert "Reason: write why you need the raw text, 5 to 500 characters." in again.text
        assert 'name="reason"' in again.text
        assert EMAIL not in again.text
    assert audit(container) == []


@pytest.mark.parametrize("role", [Role.ANALYST, Role.VIEWER])
def test_analysts_and_viewers_get_403_on_the_raw_text(
    container: Container, sign_in: SignIn, role: Role
) -> None:
    admin = sign_in(Role.ADMIN)
    conversation_id = chat(admin)
    browser = sign_in(None, programs={PROGRAM: role})
    path = f"/programs/{PROGRAM}/conversations/{conversation_id}"
    answer = browser.post(f"{path}/raw", data={"csrf": browser.csrf("/"), "reason": "I am curious"})
    assert answer.status_code == 403
    assert EMAIL not in answer.text
    assert audit(container) == []


def test_the_raw_text_needs_the_csrf_token(container: Container, sign_in: SignIn) -> None:
    admin = sign_in(Role.ADMIN)
    path = f"/programs/{PROGRAM}/conversations/{chat(admin)}"
    for data in ({"reason": "Callback requested"}, {"reason": "Callback requested", "csrf": "0" * 64}):
        assert admin.post(f"{path}/raw", data=data).status_code == 403
    assert audit(container) == []


def test_an_id_of_another_program_is_404(container: Container, sign_in: SignIn, tmp_path: Path) -> None:
    admin = sign_in(Role.ADMIN)
    elsewhere = chat(admin, program="support-call")
    import_rows(container, tmp_path, 1, program="support-call")
    with container.sessions() as session:
        imported = session.query(Response.id).filter(Response.source == "import").scalar()
    assert admin.get(f"/programs/support-call/conversations/{elsewhere}").status_code == 200
    assert admin.get(f"/programs/{PROGRAM}/conversations/{elsewhere}").status_code == 404
    assert admin.get(f"/programs/{PROGRAM}/responses/{imported}").status_code == 404
    csrf = admin.csrf("/")
    raw = admin.post(
        f"/programs/{PROGRAM}/conversations/{elsewhere}/raw", data={"csrf": csrf, "reason": "Audit"}
    )
    assert raw.status_code == 404
    assert admin.get(f"/programs/{PROGRAM}/conversations/nope").status_code == 404
    assert audit(container) == []


def test_raw_text_purged_by_retention_is_said_to_be_gone(
    container: Container, sign_in: SignIn, tmp_path: Path
) -> None:
    import_rows(container, tmp_path, 1)
    analyse_responses.enrich_pending(
        sessions=container.sessions, enricher=container.enricher, rule=container.assignment_rule,
        now=container.clock.now,
    )  # fmt: skip
    with container.sessions.begin() as session:
        purged = purge_raw_transcripts(session=session, now=container.clock.now(), retention_days=30)
        assert purged.responses == 1
        imported = session.query(Response.id).scalar()
    admin = sign_in(Role.ADMIN)
    path = f"/programs/{PROGRAM}/responses/{imported}"
    shown = admin.post(f"{path}/raw", data={"csrf": admin.csrf(path), "reason": "Dispute about a refund"})
    assert shown.status_code == 200
    assert "Part of the raw text is gone" in shown.text
    assert EMAIL not in shown.text


def test_the_list_shows_each_response_s_themes_and_sentiment(analysed: Container, sign_in: SignIn) -> None:
    page = sign_in(Role.VIEWER).get("/programs/reviews/conversations").text
    assert "160 responses" in page
    rows = re.findall(r"<tr>(.*?)</tr>", page[page.index("<tbody>") :], flags=re.S)
    assert len(rows) == 50
    assert all(re.search(r'class="sentiment-(negative|neutral|positive)"', row) for row in rows)
    assert sum('class="tag"' in row for row in rows) >= 40  # nearly every review speaks of a theme
