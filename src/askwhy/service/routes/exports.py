"""Exports API for BI tools: the coded responses of a selection as CSV, Excel or JSON Lines, streamed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import StreamingResponse

from askwhy.insights.coded_responses import coded_responses
from askwhy.insights.selection import Selection
from askwhy.insights.table_files import EXCEL_ROW_LIMIT, FileFormat, chunks, filename
from askwhy.service.auth import Reader
from askwhy.service.dependencies import ContainerDep
from askwhy.service.routes.insights import SelectionDep
from askwhy.store import people

router = APIRouter(prefix="/v1", tags=["exports"])


@router.get(
    "/exports/responses",
    response_class=StreamingResponse,
    responses={200: {"description": "The file, one row (or JSON line) per response."}},
)
def export_responses(
    key: Reader,
    container: ContainerDep,
    selection: SelectionDep,
    file_format: Annotated[
        FileFormat, Query(alias="format", description="csv (UTF-8 with BOM), xlsx or jsonl.")
    ] = FileFormat.CSV,
) -> StreamingResponse:
    """One row per response of the selection: score, band, segment values, the redacted comment,
    sentiment, and its themes and subthemes (``;``-joined). Never the customer's raw text."""
    coded = coded_responses(sessions=container.reads, selection=selection)
    if file_format is FileFormat.XLSX and coded.rows >= EXCEL_ROW_LIMIT:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{coded.rows} responses are more than an Excel sheet holds; ask for format=csv or jsonl",
        )
    with container.sessions.begin() as session:
        people.record(
            session=session, at=container.clock.now(), person_id=None, action="export.downloaded",
            target=selection.program,
            detail={"api_key": key.id, "table": "responses", "format": file_format.value, "rows": coded.rows,
                    "filters": _described(selection)},
        )  # fmt: skip
    name = filename(stem=f"{selection.program or 'all'}-responses", file_format=file_format)
    return StreamingResponse(
        chunks(coded.table, file_format),
        media_type=file_format.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _described(selection: Selection) -> dict[str, object]:
    """The filters as the audit log keeps them (plain JSON)."""
    return {
        "program": selection.program,
        "channel": selection.channel,
        "since": selection.since.isoformat() if selection.since else None,
        "until": selection.until.isoformat() if selection.until else None,
        "segment": dict(selection.segment),
        "include_simulated": selection.include_simulated,
    }
