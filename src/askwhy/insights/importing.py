"""Importing existing feedback into the store: good rows in, bad rows reported, re-imports idempotent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from askwhy.domain.scales import band_for
from askwhy.insights.feedback_files import ColumnMapping, FeedbackRow, RowProblem, read_feedback
from askwhy.store.base import new_id
from askwhy.store.imported_responses import external_ids_stored, insert_new_responses

IMPORT_GUIDE = "import"


@dataclass
class ImportResult:
    """What an import did: rows read, rows stored, rows already there, and the problems by line."""

    read: int = 0
    imported: int = 0
    already_present: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def import_feedback(
    *,
    sessions: sessionmaker[Session],
    path: Path,
    mapping: ColumnMapping,
    program: str,
    channel: str,
    now: datetime,
    chunk_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Stream the file into responses, one transaction per chunk, reporting progress in lines read."""
    result = ImportResult()
    last_line = 1
    for chunk in read_feedback(path, mapping, chunk_size=chunk_size):
        rows = [row for row in chunk if isinstance(row, FeedbackRow)]
        result.problems.extend(row for row in chunk if isinstance(row, RowProblem))
        result.read += len(chunk)
        with sessions.begin() as session:
            stored = store_rows(
                session=session, rows=rows, program=program, mapping=mapping, channel=channel, now=now
            )
        result.imported += stored
        result.already_present += len(rows) - stored
        if progress is not None:
            line = max(row.line for row in chunk)
            progress(line - last_line)
            last_line = line
    return result


def store_rows(
    *,
    session: Session,
    rows: Sequence[FeedbackRow],
    program: str,
    mapping: ColumnMapping,
    channel: str,
    now: datetime,
) -> int:
    """Insert the rows not yet stored for this program (by external id); returns how many were new."""
    ids = [row.external_id for row in rows]
    existing = external_ids_stored(session=session, program=program, external_ids=ids)
    fresh: dict[str, FeedbackRow] = {}
    for row in rows:
        if row.external_id not in existing:
            fresh.setdefault(row.external_id, row)
    if not fresh:
        return 0
    values = [
        _values(row, program=program, mapping=mapping, channel=channel, now=now) for row in fresh.values()
    ]
    insert_new_responses(session=session, rows=values)
    return len(values)


def _values(
    row: FeedbackRow, *, program: str, mapping: ColumnMapping, channel: str, now: datetime
) -> dict[str, object]:
    return {
        "id": new_id(),
        "program": program,
        "guide_id": IMPORT_GUIDE,
        "channel": channel,
        "metric": mapping.metric.value,
        "score": row.score,
        "band": band_for(mapping.metric, row.score).value,
        "answers": [],
        "comment": row.text,
        "source": "import",
        "external_id": row.external_id,
        "language": "",
        "completion": "completed",
        "simulated": False,
        "segment": row.segment,
        "responded_at": row.responded_at or now,
        "updated_at": now,
    }
