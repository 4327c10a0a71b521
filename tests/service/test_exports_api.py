"""The exports API: coded responses for BI tools as CSV, Excel or JSON Lines, filtered like the
insights, behind an API key with the ``read`` scope, audited."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from askwhy.bootstrap import Container
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.store import people

pytest_plugins = ("tests.insights.fixtures",)
EXPORT = "/v1/exports/responses"


def test_csv_export_streams_one_row_per_response_for_the_filters(
    analysed: Container, insights_client: TestClient
) -> None:
    answer = insights_client.get(EXPORT, params={"program": "reviews", "segment": "Department:Tops"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="reviews-responses.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert len(rows) == 80
    assert {row["segment:Department"] for row in rows} == {"Tops"}
    assert all(row["comment_redacted"] and row["sentiment"] for row in rows)
    everything = insights_client.get(EXPORT).content.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(everything)))) == 160


def test_jsonl_and_xlsx_hold_the_same_responses(analysed: Container, insights_client: TestClient) -> None:
    window = {"since": "2024-02-01", "until": "2024-03-01"}
    lines = insights_client.get(EXPORT, params={**window, "format": "jsonl"})
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in lines.text.splitlines()]
    assert records
    assert all(record["responded_at"].startswith("2024-02") for record in records)
    assert {"themes", "subthemes", "sentiment_score", "segment:Department"} <= set(records[0])
    sheet = insights_client.get(EXPORT, params={**window, "format": "xlsx"})
    assert sheet.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(sheet.content), read_only=True).worksheets[0].iter_rows(values_only=True)
    )
    header = rows[0]
    assert sorted(row[header.index("id")] for row in rows[1:]) == sorted(r["id"] for r in records)


def test_simulated_responses_are_left_out_unless_asked_for(
    analysed: Container, insights_client: TestClient
) -> None:
    from sqlalchemy import update

    from askwhy.store.tables import Response

    with analysed.sessions.begin() as session:
        session.execute(update(Response).where(Response.external_id.in_(["r0", "r1"])).values(simulated=True))
    real = insights_client.get(EXPORT, params={"format": "jsonl"}).text.splitlines()
    every = insights_client.get(
        EXPORT, params={"format": "jsonl", "include_simulated": "true"}
    ).text.splitlines()
    assert (len(real), len(every)) == (158, 160)


def test_exports_need_a_key_with_the_read_scope(analysed: Container) -> None:
    with analysed.sessions.begin() as session:
        _, writer = api_keys.create_key(
            session=session, name="events only", scopes=["events:write"], now=analysed.clock.now()
        )
    with TestClient(create_app(analysed)) as anonymous:
        assert anonymous.get(EXPORT).status_code == 401
        assert anonymous.get(EXPORT, headers={"X-API-Key": "aw_nope_nope"}).status_code == 401
        assert anonymous.get(EXPORT, headers={"X-API-Key": writer}).status_code == 403


def test_bad_filters_and_formats_name_the_field(analysed: Container, insights_client: TestClient) -> None:
    bad_format = insights_client.get(EXPORT, params={"format": "pdf"})
    assert bad_format.status_code == 422
    assert bad_format.json()["errors"][0]["field"] == "query.format"
    bad_window = insights_client.get(EXPORT, params={"since": "2024-03-01", "until": "2024-02-01"})
    assert bad_window.status_code == 422
    assert bad_window.json()["errors"][0]["field"] == "query.until"


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "jsonl"])
def test_every_export_is_audited_with_its_key_filters_and_rows(
    analysed: Container, insights_client: TestClient, file_format: str
) -> None:
    params = {"program": "reviews", "segment": "Department:Dresses", "format": file_format}
    assert insights_client.get(EXPORT, params=params).status_code == 200
    with analysed.reads() as session:
        (entry,) = [e for e in people.audit_entries(session=session) if e.action == "export.downloaded"]
    assert entry.target == "reviews"
    assert entry.detail["format"] == file_format
    assert entry.detail["rows"] == 80
    assert entry.detail["filters"]["segment"] == {"Department": "Dresses"}
    assert entry.detail["api_key"]


def test_rows_read_page_by_page_are_every_response_once_in_time_order(analysed: Container) -> None:
    """Pages of 7 cross many responses sharing one responded_at: the key (time, id) loses none."""
    from askwhy.insights.coded_responses import coded_responses
    from askwhy.insights.selection import Selection

    selection = Selection(program="reviews")
    paged = coded_responses(sessions=analysed.reads, selection=selection, batch_size=7)
    whole = coded_responses(sessions=analysed.reads, selection=selection, batch_size=1000)
    paged_rows, whole_rows = list(paged.table.rows), list(whole.table.rows)
    assert len(paged_rows) == paged.rows == 160
    assert paged_rows == whole_rows
    assert len({row[0] for row in paged_rows}) == 160
    times = [row[4] for row in paged_rows]
    assert times == sorted(times)
    assert len(set(times)) < 160, "the file shares days between responses, so ties are crossed"


def test_more_responses_than_an_excel_sheet_holds_are_refused_before_any_byte(
    analysed: Container, insights_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("askwhy.service.routes.exports.EXCEL_ROW_LIMIT", 100)
    answer = insights_client.get(EXPORT, params={"format": "xlsx"})
    assert answer.status_code == 422
    assert "format=csv" in answer.json()["detail"]
    assert insights_client.get(EXPORT, params={"format": "csv"}).status_code == 200
