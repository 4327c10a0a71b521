"""Queries behind the coded-responses export: responses page by page with their redacted comment,
sentiment and theme ids, the segment names in a selection, and the codebook's labels.

A selection is passed as ``restrict``, a function that narrows a query over ``responses`` (the
use case's `Selection.apply`), so the store needs no knowledge of filters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, literal, select, true, tuple_
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import ResponseAnalysis, Theme, ThemeMention
from askwhy.store.tables import Response

Restrict = Callable[[Select[Any]], Select[Any]]


@dataclass(frozen=True)
class ResponseLine:
    """One response as the export shows it: only the redacted comment, never the customer's own text."""

    id: str
    program: str
    channel: str
    language: str
    responded_at: datetime
    metric: str
    score: int | None
    band: str
    completion: str
    simulated: bool
    segment: dict[str, Any]
    redacted_comment: str | None
    """None until the response is enriched (the raw comment is never a stand-in)."""
    sentiment: str | None
    sentiment_score: float | None


@dataclass(frozen=True)
class ThemeLabel:
    id: str
    label: str
    parent_id: str | None
    merged_into_id: str | None


LINE_COLUMNS = (
    Response.id, Response.program, Response.channel, Response.language, Response.responded_at,
    Response.metric, Response.score, Response.band, Response.completion, Response.simulated,
    Response.segment, ResponseAnalysis.text, ResponseAnalysis.sentiment, ResponseAnalysis.sentiment_score,
)  # fmt: skip
"""The columns of a `ResponseLine`, in its order: never ``comment`` or ``answers`` (raw text)."""


def count_responses(*, session: Session, restrict: Restrict) -> int:
    return int(session.scalar(restrict(select(func.count()).select_from(Response))) or 0)


def response_page(
    *, session: Session, restrict: Restrict, after: tuple[datetime, str] | None, limit: int
) -> list[ResponseLine]:
    """Up to ``limit`` responses ordered by (responded_at, id), starting after the key ``after``:
    keyset paging, so each page costs the same however deep the export is."""
    query = (
        select(*LINE_COLUMNS)
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .order_by(Response.responded_at, Response.id)
        .limit(limit)
    )
    if after is not None:
        when, last_id = after
        key = tuple_(literal(when, Response.responded_at.type), literal(last_id, Response.id.type))
        query = query.where(tuple_(Response.responded_at, Response.id) > key)
    return [ResponseLine(*row) for row in session.execute(restrict(query))]


def theme_ids_by_response(*, session: Session, response_ids: Sequence[str]) -> dict[str, set[str]]:
    """The themes each response mentions (in any of its sentences)."""
    found: dict[str, set[str]] = defaultdict(set)
    if not response_ids:
        return found
    rows = session.execute(
        select(ThemeMention.response_id, ThemeMention.theme_id)
        .where(ThemeMention.response_id.in_(response_ids))
        .distinct()
    )
    for response_id, theme_id in rows:
        found[response_id].add(theme_id)
    return found


def theme_labels(*, session: Session) -> dict[str, ThemeLabel]:
    """Every theme of the codebook (a few hundred at most), merged ones included, by id."""
    rows = session.execute(select(Theme.id, Theme.label, Theme.parent_id, Theme.merged_into_id))
    return {row.id: ThemeLabel(row.id, row.label, row.parent_id, row.merged_into_id) for row in rows}


def segment_names(*, session: Session, restrict: Restrict) -> list[str]:
    """The segment names the selected responses carry, sorted: the export's segment columns."""
    if session.get_bind().dialect.name == "postgresql":
        key = func.jsonb_object_keys(Response.segment)
        query = restrict(select(key.label("key")).select_from(Response))
        names = session.scalars(select(query.subquery().c.key).distinct())
    else:
        each = func.json_each(Response.segment).table_valued("key")
        names = session.scalars(
            restrict(select(each.c.key).select_from(Response).join(each, true())).distinct()
        )
    return sorted(str(name) for name in names)
