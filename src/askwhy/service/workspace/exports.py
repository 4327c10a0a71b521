"""Share and export: the page with every download of a program's filtered view and its share links,
and the downloads themselves (coded responses, and each table a page shows, as CSV or Excel).

Any role in the program may download; each download is written to the audit log
(``export.downloaded``, with the format, filters and number of rows). A page offers its own table
as files through ``insights.page_tables.PAGE_TABLES`` and ``workspace/_export_links.html`` (see
that module's docstring).
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote, unquote_plus

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.insights import shared_views
from askwhy.insights.coded_responses import coded_responses
from askwhy.insights.page_tables import PAGE_TABLES
from askwhy.insights.table_files import EXCEL_ROW_LIMIT, FileFormat, Table, chunks, filename
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.workspace.access import InProgram, ProgramAccess
from askwhy.service.workspace.filters import Filters, WorkspaceFilters
from askwhy.store import people

router = APIRouter(tags=["workspace"], include_in_schema=False)
SheetFormat = Annotated[Literal["csv", "xlsx"], Path(description="csv or xlsx")]
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/programs/{program}/exports", response_class=HTMLResponse)
def exports_page(
    request: Request,
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    templates: TemplatesDep,
) -> Response:
    now = container.clock.now()
    can_share = access.role.at_least(Role.ANALYST)
    with container.reads() as session:
        links = shared_views.live_links(session=session, program=access.program, now=now) if can_share else []
        secret = container.settings.secret_key.get_secret_value()
        listed = [
            {
                "link": link,
                "filters": unquote_plus(link.filters).replace("&", " · ") or "none",
                "url": shared_views.share_url(
                    base_url=container.settings.public_base_url,
                    token=shared_views.token_of(link, secret_key=secret, now=now),
                ),
            }
            for link in links
        ]
    context = {
        "viewer": access.viewer, "program": access.program, "filters": filters, "page": "exports",
        "tables": PAGE_TABLES, "can_share": can_share, "links": listed,
        "expiry_days": shared_views.EXPIRY_DAYS, "default_days": shared_views.DEFAULT_EXPIRY_DAYS,
    }  # fmt: skip
    return templates.TemplateResponse(request, "workspace/exports.html", context, headers=NO_STORE)


@router.get("/programs/{program}/exports/responses.{file_format}")
def download_responses(
    access: InProgram, filters: WorkspaceFilters, container: ContainerDep, file_format: SheetFormat
) -> Response:
    """Every response of the filtered view, one row each, with its redacted comment and its themes."""
    chosen = FileFormat(file_format)
    coded = coded_responses(sessions=container.reads, selection=filters.selection(access.program))
    if chosen is FileFormat.XLSX and coded.rows >= EXCEL_ROW_LIMIT:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{coded.rows} responses are more than an Excel sheet holds; download the CSV file instead",
        )
    _audit(container, access, filters, table="responses", file_format=chosen, rows=coded.rows)
    return _download(coded.table, chosen, stem=f"{access.program}-responses")


@router.get("/programs/{program}/exports/tables/{table}.{file_format}")
def download_table(
    access: InProgram,
    filters: WorkspaceFilters,
    container: ContainerDep,
    table: Annotated[str, Path(max_length=40)],
    file_format: SheetFormat,
) -> Response:
    """One of the tables the pages show (``PAGE_TABLES``), for the filtered view."""
    page_table = PAGE_TABLES.get(table)
    if page_table is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no table named {table!r}")
    with container.reads() as session:
        built = page_table.build(
            session=session, selection=filters.selection(access.program), period=filters.period
        )
    rows = list(built.rows)
    chosen = FileFormat(file_format)
    _audit(container, access, filters, table=table, file_format=chosen, rows=len(rows))
    return _download(Table(built.name, built.header, rows), chosen, stem=f"{access.program}-{table}")


def _download(table: Table, file_format: FileFormat, *, stem: str) -> Response:
    name = filename(stem=stem, file_format=file_format)
    headers = {"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"}
    return StreamingResponse(
        chunks(table, file_format), media_type=file_format.media_type, headers={**headers, **NO_STORE}
    )


def _audit(
    container: Container,
    access: ProgramAccess,
    filters: Filters,
    *,
    table: str,
    file_format: FileFormat,
    rows: int,
) -> None:
    with container.sessions.begin() as session:
        people.record(
            session=session, at=container.clock.now(), person_id=access.viewer.person_id,
            action="export.downloaded", target=access.program,
            detail={"table": table, "format": file_format.value, "filters": filters.query(), "rows": rows},
        )  # fmt: skip
