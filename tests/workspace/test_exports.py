"""The Share & export page: coded responses and page tables as CSV and Excel for the filtered view,
redacted, safe to open in a spreadsheet, audited, and only for people with a role in the program."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.insights.theme_views import list_themes
from askwhy.store import people
from askwhy.store.analysis_tables import ResponseAnalysis
from askwhy.store.tables import Response
from tests.workspace.conftest import SignIn

pytest_plugins = ("tests.insights.fixtures",)
EXPORTS = "/programs/reviews/exports"
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
    """The workspace's browsers see the analysed reviews."""
    return analysed


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode()), "a byte-order mark, so Excel reads UTF-8"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _sheet_rows(content: bytes) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_coded_responses_csv_has_one_row_per_response_with_segments_sentiment_and_themes(
    container: Container, sign_in: SignIn
) -> None:
    browser = sign_in(Role.ANALYST)
    answer = browser.get(f"{EXPORTS}/responses.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith('attachment; filename="reviews-responses.csv"')
    rows = _csv_rows(answer.content)
    assert len(rows) == 161
    first = rows[0]
    for column in ("id", "program", "channel", "responded_at", "score", "band", "simulated"):
        assert column in first
    assert {
        "segment:Department",
        "comment_redacted",
        "sentiment",
        "sentiment_score",
        "themes",
        "subthemes",
    } <= set(first)
    assert {row["segment:Department"] for row in rows} == {"Dresses", "Tops"}
    assert all(row["program"] == "reviews" for row in rows)
    assert all(row["sentiment"] in {"negative", "neutral", "positive"} for row in rows)
    assert sum(1 for row in rows if row["themes"]) > 100, "most responses speak of a discovered theme"
    with container.reads() as session:
        labels = {theme.label for theme in list_themes(session=session)}
    assert {label for row in rows for label in row["themes"].split("; ") if label} <= labels


def test_filters_choose_the_rows(container: Container, sign_in: SignIn) -> None:
    browser = sign_in(Role.VIEWER)
    tops = _csv_rows(browser.get(f"{EXPORTS}/responses.csv", params={"segment": "Department:Tops"}).content)
    assert len(tops) == 81
    assert {row["segment:Department"] for row in tops} == {"Tops"}
    march = _csv_rows(
        browser.get(f"{EXPORTS}/responses.csv", params={"since": "2024-03-01", "until": "2024-04-01"}).content
    )
    assert march
    assert all(row["responded_at"].startswith("2024-03") for row in march)


def test_excel_file_opens_with_the_same_rows(container: Container, sign_in: SignIn) -> None:
    browser = sign_in(Role.VIEWER)
    answer = browser.get(f"{EXPORTS}/responses.xlsx", params={"segment": "Department:Dresses"})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith('attachment; filename="reviews-responses.xlsx"')
    rows = _sheet_rows(answer.content)
    header, body = rows[0], rows[1:]
    assert len(body) == 80
    department = header.index("segment:Department")
    assert {row[department] for row in body} == {"Dresses"}
    assert all(isinstance(row[header.index("score")], int) for row in body)


def test_only_redacted_text_leaves_never_the_raw_comment(container: Container, sign_in: SignIn) -> None:
    with container.sessions.begin() as session:
        raw = session.scalar(select(Response.comment).where(Response.external_id == "r-mail"))
    assert raw is not None
    assert SECRET_EMAIL in raw
    browser = sign_in(Role.VIEWER)
    text = browser.get(f"{EXPORTS}/responses.csv").content.decode("utf-8-sig")
    assert SECRET_EMAIL not in text
    sheet = browser.get(f"{EXPORTS}/responses.xlsx").content
    assert SECRET_EMAIL not in str(_sheet_rows(sheet))
    mailed = next(
        row
        for row in _csv_rows(text.encode("utf-8-sig"))
        if "delivery was late, write to" in row["comment_redacted"]
    )
    assert mailed["comment_redacted"]


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(
    container: Container, sign_in: SignIn
) -> None:
    with container.sessions.begin() as session:
        first, second = session.scalars(select(Response.id).order_by(Response.responded_at).limit(2)).all()
        session.execute(
            update(ResponseAnalysis)
            .where(ResponseAnalysis.response_id == first)
            .values(text='=HYPERLINK("x")')
        )
        session.execute(
            update(ResponseAnalysis).where(ResponseAnalysis.response_id == second).values(text="@SUM(A1)")
        )
    browser = sign_in(Role.VIEWER)
    comments = {
        row["id"]: row["comment_redacted"]
        for row in _csv_rows(browser.get(f"{EXPORTS}/responses.csv").content)
    }
    assert comments[first] == '\'=HYPERLINK("x")'
    assert comments[second] == "'@SUM(A1)"
    rows = _sheet_rows(browser.get(f"{EXPORTS}/responses.xlsx").content)
    column = rows[0].index("comment_redacted")
    by_id = {row[0]: row[column] for row in rows[1:]}
    assert by_id[first] == '\'=HYPERLINK("x")'
    assert by_id[second] == "'@SUM(A1)"


def test_page_tables_download_as_csv_and_excel(container: Container, sign_in: SignIn) -> None:
    browser = sign_in(Role.VIEWER)
    themes = _csv_rows(browser.get(f"{EXPORTS}/tables/themes.csv").content)
    with container.reads() as session:
        expected = list_themes(session=session)
    assert [row["theme"] for row in themes] == [theme.label for theme in expected]
    trend = _sheet_rows(browser.get(f"{EXPORTS}/tables/trend.xlsx", params={"period": "month"}).content)
    assert trend[0][:2] == ("period_start", "metric")
    assert [row[0] for row in trend[1:]] == ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]
    assert sum(int(str(row[trend[0].index("n")])) for row in trend[1:]) == 161
    assert browser.get(f"{EXPORTS}/tables/nothing.csv").status_code == 404
    assert browser.get(f"{EXPORTS}/responses.pdf").status_code == 422


def test_every_download_is_audited_with_format_filters_and_rows(
    container: Container, sign_in: SignIn
) -> None:
    browser = sign_in(None, programs={"reviews": Role.VIEWER})
    assert browser.get(f"{EXPORTS}/responses.csv", params={"segment": "Department:Tops"}).status_code == 200
    assert browser.get(f"{EXPORTS}/tables/themes.xlsx").status_code == 200
    with container.reads() as session:
        entries = [e for e in people.audit_entries(session=session) if e.action == "export.downloaded"]
    table, responses = entries
    assert responses.person_id == browser.person_id
    assert responses.target == "reviews"
    assert responses.detail == {
        "table": "responses",
        "format": "csv",
        "filters": "segment=Department%3ATops",
        "rows": 81,
    }
    assert (table.detail["table"], table.detail["format"]) == ("themes", "xlsx")


def test_the_page_links_every_download_for_the_current_filters(container: Container, sign_in: SignIn) -> None:
    page = sign_in(Role.VIEWER).get(EXPORTS, params={"segment": "Department:Tops"})
    assert page.status_code == 200
    for path in ("responses.csv", "responses.xlsx", "tables/themes.csv", "tables/trend.xlsx"):
        assert f"{EXPORTS}/{path}?segment=Department%3ATops" in page.text
    assert "Create share link" not in page.text, "a viewer cannot share"


def test_an_analyst_of_another_program_cannot_export_this_one(container: Container, sign_in: SignIn) -> None:
    outsider = sign_in(None, programs={"post-checkout": Role.ANALYST})
    assert outsider.get(f"{EXPORTS}/responses.csv").status_code == 404
    assert outsider.get(f"{EXPORTS}/tables/themes.xlsx").status_code == 404
    assert outsider.get(EXPORTS).status_code == 404
    with container.reads() as session:
        assert not [e for e in people.audit_entries(session=session) if e.action == "export.downloaded"]
