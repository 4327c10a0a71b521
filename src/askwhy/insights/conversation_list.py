"""The responses of a selection, a page at a time and newest first, each with what was analysed of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.insights import selection_counts
from askwhy.insights.read_cache import reuse
from askwhy.insights.selection import Selection
from askwhy.store import conversation_listing as listing

PAGE_SIZE = 50


@dataclass(frozen=True)
class ListedResponse:
    """One row of the list; ``conversation_id`` is None for imported feedback."""

    id: str
    conversation_id: str | None
    responded_at: datetime
    metric: str
    score: int | None
    channel: str
    language: str
    completion: str
    simulated: bool
    themes: list[str]
    sentiment: str | None
    """negative, neutral or positive; None until the response is analysed."""
    sentiment_score: float | None


@dataclass(frozen=True)
class ResponsePage:
    """One page of the list, with the total the selection holds."""

    rows: list[ListedResponse]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def list_responses(
    *, session: Session, selection: Selection, page: int = 1, per_page: int = PAGE_SIZE
) -> ResponsePage:
    """Page ``page`` (from 1) of the selection's responses, newest first; the total is counted once
    per state of the data (`read_cache`), the page itself read from the program's time index."""
    page = max(page, 1)
    rows = listing.listed_responses(
        session=session, restrict=selection.apply, offset=(page - 1) * per_page, limit=per_page
    )
    themes = listing.theme_labels(session=session, response_ids=[row.id for row in rows])
    listed = [
        ListedResponse(
            id=row.id,
            conversation_id=row.conversation_id,
            responded_at=row.responded_at,
            metric=row.metric,
            score=row.score,
            channel=row.channel,
            language=row.language,
            completion=row.completion,
            simulated=row.simulated,
            themes=themes.get(row.id, []),
            sentiment=row.sentiment,
            sentiment_score=None if row.sentiment_score is None else float(row.sentiment_score),
        )
        for row in rows
    ]
    total = reuse(
        session=session,
        question=("responses", repr(selection)),
        compute=lambda: selection_counts.response_count(session=session, selection=selection),
    )
    return ResponsePage(rows=listed, page=page, per_page=per_page, total=total)
