"""Importing feedback: bad rows reported by line, good rows stored once however often re-imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.scales import Metric
from askwhy.insights.feedback_files import (
    ColumnMapping,
    FeedbackFileError,
    FeedbackRow,
    RowProblem,
    read_feedback,
)
from askwhy.insights.importing import import_feedback
from askwhy.settings import Settings
from askwhy.store.tables import Response

MAPPING = ColumnMapping(text="comment", score="rating", metric=Metric.CSAT, date="when", id="ref")
CSV = (
    "ref,comment,rating,when,region\n"
    "a1,Great service,5,2024-03-01,north\n"
    'a2,"Slow delivery,\nand the box was damaged",2,2024-03-02,south\n'
    "a3,,4,2024-03-03,north\n"
    "a4,Fine,abc,2024-03-03,north\n"
    "a5,Fine,7,2024-03-03,north\n"
    "a6,Fine,3,03/04/2024 extra,north\n"
    "a7,Lovely staff,4.0,2024-03-05T10:00:00Z,south\n"
)


@pytest.fixture
def quiet_container(settings: Settings, clock: FakeClock) -> Container:
    return bootstrap(settings, clock=clock, embedder=HashingEmbedder())


def _import(container: Container, path: Path, mapping: ColumnMapping = MAPPING, program: str = "shop"):
    return import_feedback(
        sessions=container.sessions,
        path=path,
        mapping=mapping,
        program=program,
        channel="import",
        now=container.clock.now(),
    )


def test_bad_rows_are_reported_by_line_and_good_rows_still_import(
    quiet_container: Container, tmp_path: Path
) -> None:
    path = tmp_path / "feedback.csv"
    path.write_text(CSV, encoding="utf-8")
    result = _import(quiet_container, path)
    problems = {p.line: p.reason for p in result.problems}
    # The quoted comment of a2 spans lines 3-4, so a3 starts on line 5.
    assert set(problems) == {5, 6, 7, 8}
    assert "no text" in problems[5]
    assert "not a number" in problems[6]
    assert "outside the csat scale 1–5" in problems[7]
    assert "date" in problems[8]
    assert result.imported == 3
    with quiet_container.sessions() as session:
        stored = {r.external_id: r for r in session.scalars(select(Response))}
    assert set(stored) == {"a1", "a2", "a7"}
    assert stored["a7"].score == 4
    assert stored["a2"].band == "detractor"
    assert stored["a1"].source == "import"
    assert stored["a7"].responded_at.isoformat() == "2024-03-05T10:00:00+00:00"


def test_reimport_is_idempotent_by_id(quiet_container: Container, tmp_path: Path) -> None:
    path = tmp_path / "feedback.csv"
    path.write_text(CSV, encoding="utf-8")
    _import(quiet_container, path)
    again = _import(quiet_container, path)
    assert again.imported == 0
    assert again.already_present == 3
    with quiet_container.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 3


def test_without_an_id_column_a_stable_hash_of_the_row_is_the_id(
    quiet_container: Container, tmp_path: Path
) -> None:
    path = tmp_path / "comments.csv"
    path.write_text("text,segment\nToo slow,a\nToo slow,b\nToo slow,a\n", encoding="utf-8")
    mapping = ColumnMapping(text="text", segments=("segment",))
    first = _import(quiet_container, path, mapping)
    second = _import(quiet_container, path, mapping)
    assert (first.imported, second.imported) == (2, 0)
    with quiet_container.sessions() as session:
        rows = list(session.scalars(select(Response)))
    assert all(r.external_id and r.external_id.startswith("sha256:") for r in rows)
    assert {r.metric for r in rows} == {"none"}
    assert {r.score for r in rows} == {None}


def test_jsonl_is_read_with_line_numbers_and_invalid_lines_reported(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    lines = [
        json.dumps({"ref": "j1", "comment": "Good", "rating": 9, "when": "2024-01-02"}),
        "{not json",
        "",
        json.dumps({"ref": "j2", "comment": "Bad", "rating": 11, "when": "2024-01-02"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = ColumnMapping(text="comment", score="rating", metric=Metric.NPS, date="when", id="ref")
    rows = [row for chunk in read_feedback(path, mapping) for row in chunk]
    assert isinstance(rows[0], FeedbackRow)
    assert rows[0].score == 9
    assert rows[1] == RowProblem(2, "invalid JSON: Expecting property name enclosed in double quotes")
    assert isinstance(rows[2], RowProblem)
    assert rows[2].line == 4
    assert "outside the nps scale" in rows[2].reason


def test_a_missing_column_names_the_columns_there_are(tmp_path: Path) -> None:
    path = tmp_path / "feedback.csv"
    path.write_text("ref,comment\nx,y\n", encoding="utf-8")
    with pytest.raises(FeedbackFileError, match=r"no column 'rating'.*'ref', 'comment'"):
        list(read_feedback(path, MAPPING))


def test_large_files_stream_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("text\n" + "".join(f"comment {i}\n" for i in range(2500)), encoding="utf-8")
    chunks = list(read_feedback(path, ColumnMapping(text="text"), chunk_size=1000))
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    assert chunks[-1][-1].line == 2501
