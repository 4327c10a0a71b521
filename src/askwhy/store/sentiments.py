"""How each analysed response of a selection felt: the outcome when responses carry no score."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import ResponseAnalysis
from askwhy.store.response_filters import Restrict
from askwhy.store.tables import Response


@dataclass(frozen=True)
class FeltRow:
    """One analysed response: when, its segment, and its sentiment label and score."""

    id: str
    responded_at: datetime
    segment: Mapping[str, object]
    sentiment: str
    sentiment_score: float


def analysed_in_selection(*, session: Session, restrict: Restrict) -> list[FeltRow]:
    """The analysed responses of the selection, oldest first."""
    query = restrict(
        select(Response.id, Response.responded_at, Response.segment, ResponseAnalysis.sentiment,
               ResponseAnalysis.sentiment_score)
        .join(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .order_by(Response.responded_at, Response.id)
    )  # fmt: skip
    return [
        FeltRow(r.id, r.responded_at, r.segment or {}, r.sentiment, float(r.sentiment_score))
        for r in session.execute(query)
    ]
