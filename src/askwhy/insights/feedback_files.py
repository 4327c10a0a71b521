"""Reading existing feedback (CSV or JSONL) through a column mapping, row by row, in chunks.

Each row becomes either a `FeedbackRow` or a `RowProblem` naming its line and what is wrong, so a
file with a few bad rows still imports the good ones. Nothing here touches the store.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from askwhy.domain.scales import SCALES, Metric

CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})
DATE_FORMATS = ("%Y/%m/%d", "%d.%m.%Y", "%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%d %b %Y")
"""Tried after ISO 8601; pass ``date_format`` for anything else (or to read 03/04 as 3 April)."""


class FeedbackFileError(ValueError):
    """The file as a whole cannot be read: unknown format, unreadable, or a mapped column missing."""


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds what. Only ``text`` is required."""

    text: str
    score: str | None = None
    metric: Metric = Metric.NONE
    date: str | None = None
    id: str | None = None
    segments: tuple[str, ...] = ()
    date_format: str | None = None

    def columns(self) -> list[str]:
        named = [self.text, self.score, self.date, self.id, *self.segments]
        return [c for c in named if c is not None]


@dataclass(frozen=True)
class FeedbackRow:
    line: int
    external_id: str
    text: str
    score: int | None
    responded_at: datetime | None
    segment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


Parsed = FeedbackRow | RowProblem


def read_feedback(path: Path, mapping: ColumnMapping, *, chunk_size: int = 2000) -> Iterator[list[Parsed]]:
    """Parsed rows in chunks of ``chunk_size``, streamed so that memory stays flat on large files."""
    if mapping.score is not None and mapping.metric is Metric.NONE:
        raise FeedbackFileError("a score column needs a metric (nps, csat or ces)")
    records = _records(path, mapping)
    chunk: list[Parsed] = []
    for line, values, raw in records:
        chunk.append(RowProblem(line, raw) if values is None else parse_record(line, values, raw, mapping))
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def count_lines(path: Path) -> int:
    """Lines in the file (an upper bound on rows, for a progress bar), read in large blocks."""
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def parse_record(line: int, values: Mapping[str, Any], raw: str, mapping: ColumnMapping) -> Parsed:
    """One record to a row, or the first problem found in it."""
    text = _string(values.get(mapping.text))
    if not text:
        return RowProblem(line, f"no text in column {mapping.text!r}")
    try:
        score = _score(values.get(mapping.score), mapping.metric) if mapping.score else None
        when = _date(values.get(mapping.date), mapping.date_format) if mapping.date else None
    except ValueError as exc:
        return RowProblem(line, str(exc))
    identifier = _string(values.get(mapping.id)) if mapping.id else ""
    if mapping.id and not identifier:
        return RowProblem(line, f"no id in column {mapping.id!r}")
    segment = {name: value for name in mapping.segments if (value := _string(values.get(name)))}
    external_id = identifier or "sha256:" + hashlib.sha256(raw.encode()).hexdigest()[:40]
    return FeedbackRow(line, external_id, text, score, when, segment)


Record = tuple[int, dict[str, Any] | None, str]
"""(line, values, raw text to hash); values None when the line cannot be read, raw then the reason."""


def _records(path: Path, mapping: ColumnMapping) -> Iterator[Record]:
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES | JSONL_SUFFIXES:
        raise FeedbackFileError(f"{path}: unknown format {suffix!r}; use .csv or .jsonl")
    try:
        handle = path.open(encoding="utf-8-sig", errors="replace", newline="")
    except OSError as exc:
        raise FeedbackFileError(f"{path}: {exc.strerror}") from None
    with handle:
        if suffix in CSV_SUFFIXES:
            yield from _csv_records(path, handle, mapping, delimiter="\t" if suffix == ".tsv" else ",")
        else:
            yield from _jsonl_records(handle)


def _csv_records(path: Path, handle: IO[str], mapping: ColumnMapping, *, delimiter: str) -> Iterator[Record]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(handle, delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise FeedbackFileError(f"{path}: the file is empty")
    header = [h.strip() for h in header]
    missing = [c for c in mapping.columns() if c not in header]
    if missing:
        raise FeedbackFileError(
            f"{path}: no column {', '.join(repr(m) for m in missing)}; the columns are "
            + ", ".join(repr(h) for h in header)
        )
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FeedbackFileError(f"{path}, line {start}: {exc}") from None
        if not any(cell.strip() for cell in row):
            continue
        yield start, dict(zip(header, row, strict=False)), "\x1f".join(row)


def _jsonl_records(handle: IO[str]) -> Iterator[Record]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"invalid JSON: {exc.msg}"
            continue
        if not isinstance(value, dict):
            yield number, None, "invalid JSON: not an object"
            continue
        yield number, value, json.dumps(value, sort_keys=True, ensure_ascii=False)


def _string(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value).strip()


def _score(value: Any, metric: Metric) -> int | None:
    text = _string(value)
    if not text:
        return None
    try:
        number = float(text.split("/")[0]) if "/" in text else float(text)
    except ValueError:
        raise ValueError(f"score {text!r} is not a number") from None
    scale = SCALES[metric]
    if number != int(number):
        raise ValueError(f"score {text!r} is not a whole number")
    if not scale.contains(number):
        raise ValueError(f"score {text!r} is outside the {metric.value} scale {scale.low}–{scale.high}")
    return int(number)


def _date(value: Any, date_format: str | None) -> datetime:
    text = _string(value)
    if not text:
        raise ValueError("no date")
    formats: Sequence[str] = (date_format,) if date_format else DATE_FORMATS
    parsed: datetime | None = None
    if not date_format:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
    for candidate in formats if parsed is None else ():
        try:
            parsed = datetime.strptime(text, candidate)
            break
        except ValueError:
            continue
    if parsed is None:
        hint = f"the format {date_format!r}" if date_format else "ISO 8601 (2024-03-31); see --date-format"
        raise ValueError(f"date {text!r} is not in {hint}")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


TEXT_COLUMN_HINTS = (
    "review text",
    "comment",
    "comments",
    "feedback",
    "verbatim",
    "text",
    "review",
    "message",
)


def guess_text_column(path: Path) -> str | None:
    """The column that most likely holds the customer's words, by its name (CSV only)."""
    if path.suffix.lower() not in CSV_SUFFIXES:
        return None
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader(handle, delimiter="\t" if path.suffix.lower() == ".tsv" else ","), [])
    names = {h.strip().lower(): h.strip() for h in header}
    for hint in TEXT_COLUMN_HINTS:
        if hint in names:
            return names[hint]
    return next((h for key, h in names.items() if any(word in key for word in ("text", "comment"))), None)
