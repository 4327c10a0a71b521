"""Any table as a file: CSV for Excel and BI tools, Excel (.xlsx) and JSON Lines, written as a stream.

A `Table` is a header and an iterable of rows, so a large export is written row by row. Text cells
that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) get a leading ``'``: a customer's comment must never become a formula in the
analyst's Excel. Numbers are left as numbers (a negative sentiment is not a formula).
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import IO

from openpyxl import Workbook

Cell = str | int | float | bool | datetime | date | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_LIMIT = 32_767
"""Excel's longest text cell; longer text is cut there (the CSV keeps it whole)."""
EXCEL_ROW_LIMIT = 1_048_576
_ILLEGAL_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CHUNK = 64 * 1024


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSONL = "jsonl"

    @property
    def media_type(self) -> str:
        return {
            FileFormat.CSV: "text/csv; charset=utf-8",
            FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileFormat.JSONL: "application/x-ndjson",
        }[self]


class TooManyRows(ValueError):
    """More rows than an Excel sheet holds; the CSV or JSON Lines file has no such limit."""


@dataclass(frozen=True)
class Table:
    """A header and its rows (each as long as the header), as a page shows it."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def neutralised(value: str) -> str:
    """Text a spreadsheet will show as text, never run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def chunks(table: Table, file_format: FileFormat) -> Iterator[bytes]:
    """The table written in ``file_format``, as byte chunks to stream."""
    if file_format is FileFormat.CSV:
        return csv_chunks(table)
    if file_format is FileFormat.XLSX:
        return xlsx_chunks(table)
    return jsonl_chunks(table)


def csv_chunks(table: Table) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark, so Excel shows accents right; CRLF line ends as RFC 4180 says."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([neutralised(name) for name in table.header])
    for row in table.rows:
        writer.writerow([_csv_cell(cell) for cell in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _csv_cell(cell: Cell) -> str | int | float:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    if isinstance(cell, str):
        return neutralised(cell)
    return cell


def jsonl_chunks(table: Table) -> Iterator[bytes]:
    """One JSON object a line, keyed by the header; dates in ISO 8601."""
    lines: list[str] = []
    size = 0
    for row in table.rows:
        line = json.dumps(dict(zip(table.header, row, strict=True)), ensure_ascii=False, default=_iso)
        lines.append(line)
        size += len(line)
        if size >= CHUNK:
            yield ("\n".join(lines) + "\n").encode("utf-8")
            lines, size = [], 0
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8")


def _iso(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a table cell")


def xlsx_chunks(table: Table) -> Iterator[bytes]:
    """An Excel workbook with one sheet. A write-only workbook keeps memory flat; the file is built in
    a temporary file (in memory up to a few MB) and then streamed, since a zip is written at the end."""
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        write_xlsx(table, spool)
        spool.seek(0)
        while block := spool.read(CHUNK):
            yield block


def write_xlsx(table: Table, target: IO[bytes]) -> None:
    """Write the table as a workbook to ``target``; `TooManyRows` past Excel's sheet limit."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(table.name))
    sheet.append([_xlsx_cell(name) for name in table.header])
    for count, row in enumerate(table.rows, start=2):
        if count > EXCEL_ROW_LIMIT:
            raise TooManyRows(f"more than {EXCEL_ROW_LIMIT - 1} rows; export CSV or JSON Lines instead")
        sheet.append([_xlsx_cell(cell) for cell in row])
    book.save(target)


def _xlsx_cell(cell: Cell) -> str | int | float | bool | datetime | date | None:
    if isinstance(cell, datetime):
        # Excel has no time zones: times are written in UTC, as the header says.
        return cell.astimezone(UTC).replace(tzinfo=None) if cell.tzinfo else cell
    if isinstance(cell, str):
        return neutralised(_ILLEGAL_IN_XML.sub("", cell))[:EXCEL_CELL_LIMIT]
    return cell


def _sheet_title(name: str) -> str:
    return re.sub(r"[\\/*?:\[\]]", " ", name)[:31] or "Sheet"


def filename(*, stem: str, file_format: FileFormat) -> str:
    """A file name safe in a Content-Disposition header and on every file system."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "export"
    return f"{safe[:120]}.{file_format.value}"
