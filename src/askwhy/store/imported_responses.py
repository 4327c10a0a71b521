"""Storing imported feedback as responses, once per program and external id."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from askwhy.store.tables import Response


def external_ids_stored(*, session: Session, program: str, external_ids: Collection[str]) -> set[str]:
    """Which of the external ids the program's responses already hold."""
    query = select(Response.external_id).where(
        Response.program == program, Response.external_id.in_(list(external_ids))
    )
    return {external_id for external_id in session.scalars(query) if external_id is not None}


def insert_new_responses(*, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert the response rows, skipping any whose (program, external id) is already stored."""
    if not rows:
        return
    # A concurrent import of the same file may have stored a row since the caller checked.
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(Response).on_conflict_do_nothing(index_elements=["program", "external_id"])
    session.execute(statement, list(rows))
