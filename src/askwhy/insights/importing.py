"""Importing existing feedback into the store: good rows in, bad rows reported, re-imports idempotent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from askwhy.domain.scales import band_for
from askwhy.insights.feedback_files import ColumnMapping, FeedbackRow, RowProblem, read_feedback
from askwhy.store.base import new_id
from askwhy.store.tables import Response

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
    existing = set(
        session.scalars(
            select(Response.external_id).where(Response.program == program, Response.external_id.in_(ids))
        )
    )
    fresh: dict[str, FeedbackRow] = {}
    for row in rows:
        if row.external_id not in existing:
            fresh.setdefault(row.external_id, row)
    if not fresh:
        return 0
    values = [
        _values(row, program=program, mapping=mapping, channel=channel, now=now) for row in fresh.values()
    ]
    session.execute(_insert_ignoring_duplicates(session), values)
    return len(values)


def _values(
    row: FeedbackRow, *, program: str, mapping: ColumnMapping, channel: str, now: datetime
) -> dict[str, Any]:
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


def _insert_ignoring_duplicates(session: Session) -> Any:
    # A concurrent import of the same file may have stored a row since the check above.
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Response).on_conflict_do_nothing(index_elements=["program", "external_id"])
