"""Coded responses: one row per response in a selection, with its redacted comment, sentiment, segment
values and themes, the export a team takes into Excel or a BI tool.

Rows are read in pages of ``batch_size`` (keyset paging, one short read session per page), so an
export of 100,000 responses never holds more than one page of objects. Only the redacted comment
leaves: a response not yet enriched has an empty comment, never its raw text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from askwhy.insights.selection import Selection
from askwhy.insights.table_files import Cell, Table
from askwhy.store import coded_responses as queries
from askwhy.store.coded_responses import ResponseLine, ThemeLabel

FIXED_COLUMNS = (
    "id", "program", "channel", "language", "responded_at", "metric", "score", "band", "completion",
    "simulated",
)  # fmt: skip
CODED_COLUMNS = ("comment_redacted", "sentiment", "sentiment_score", "themes", "subthemes")
SEGMENT_PREFIX = "segment:"
BATCH_SIZE = 5000
"""Responses a page: large enough that the pages of a 100,000-response export cost little more
than one scan (SQLite may sort a program's responses for each page), small enough to hold in memory."""


@dataclass(frozen=True)
class CodedResponses:
    """The export's columns (known before the first row) and the number of rows it will have."""

    table: Table
    rows: int
    segment_names: list[str]


def coded_responses(
    *, sessions: sessionmaker[Session], selection: Selection, batch_size: int = BATCH_SIZE
) -> CodedResponses:
    """The coded responses of ``selection`` as a table whose rows are read lazily, page by page."""
    with sessions() as session:
        names = queries.segment_names(session=session, restrict=selection.apply)
        total = queries.count_responses(session=session, restrict=selection.apply)
    header = [*FIXED_COLUMNS, *(SEGMENT_PREFIX + name for name in names), *CODED_COLUMNS]
    rows = _rows(sessions=sessions, selection=selection, segment_names=names, batch_size=batch_size)
    return CodedResponses(table=Table("coded responses", header, rows), rows=total, segment_names=names)


def _rows(
    *, sessions: sessionmaker[Session], selection: Selection, segment_names: list[str], batch_size: int
) -> Iterator[list[Cell]]:
    after = None
    with sessions() as session:
        labels = queries.theme_labels(session=session)
    while True:
        with sessions() as session:
            page = queries.response_page(
                session=session, restrict=selection.apply, after=after, limit=batch_size
            )
            themes = queries.theme_ids_by_response(session=session, response_ids=[line.id for line in page])
        for line in page:
            yield _row(line, segment_names, _named(themes.get(line.id, set()), labels))
        if len(page) < batch_size:
            return
        after = (page[-1].responded_at, page[-1].id)


def _row(line: ResponseLine, segment_names: list[str], themes: tuple[str, str]) -> list[Cell]:
    segment = [_segment_value(line.segment.get(name)) for name in segment_names]
    score = round(line.sentiment_score, 4) if line.sentiment_score is not None else None
    return [
        line.id, line.program, line.channel, line.language, line.responded_at, line.metric, line.score,
        line.band, line.completion, line.simulated, *segment,
        line.redacted_comment or "", line.sentiment, score, *themes,
    ]  # fmt: skip


def _segment_value(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _named(theme_ids: set[str], labels: dict[str, ThemeLabel]) -> tuple[str, str]:
    """Top-level labels and subtheme labels, each ``;``-joined and sorted; a subtheme's parent counts
    as a top-level theme of the response, and a merged theme as the one it was merged into."""
    top: set[str] = set()
    sub: set[str] = set()
    for theme_id in theme_ids:
        theme = _current(labels.get(theme_id), labels)
        if theme is None:
            continue
        parent = labels.get(theme.parent_id) if theme.parent_id else None
        if parent is None:
            top.add(theme.label)
        else:
            top.add(parent.label)
            sub.add(theme.label)
    return "; ".join(sorted(top)), "; ".join(sorted(sub))


def _current(theme: ThemeLabel | None, labels: dict[str, ThemeLabel]) -> ThemeLabel | None:
    seen: set[str] = set()
    while theme is not None and theme.merged_into_id and theme.id not in seen:
        seen.add(theme.id)
        theme = labels.get(theme.merged_into_id)
    return theme
