"""Queries behind the workspace's conversation pages: responses newest first, their themes, one
response or conversation with what was analysed of it, and the values a comparison can choose from.

A caller restricts a query to its selection with ``restrict`` (the selection's ``apply``), so the
store knows nothing of how a selection is made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import ResponseAnalysis, Theme, ThemeMention
from askwhy.store.tables import Conversation, Message, Response

Restrict = Callable[[Select[Any]], Select[Any]]
SCANNED_FOR_SEGMENTS = 2000
"""How many of the newest responses are read to list segment names and values: enough to offer
every attribute a program uses, without reading a large table whole."""


def listed_responses(*, session: Session, restrict: Restrict, offset: int, limit: int) -> Sequence[Row[Any]]:
    """Responses of the selection newest first, with their analysed sentiment (None when not analysed)."""
    query = (
        select(
            Response.id,
            Response.conversation_id,
            Response.responded_at,
            Response.metric,
            Response.score,
            Response.channel,
            Response.language,
            Response.completion,
            Response.simulated,
            Response.source,
            ResponseAnalysis.sentiment,
            ResponseAnalysis.sentiment_score,
        )
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .order_by(Response.responded_at.desc(), Response.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return session.execute(restrict(query)).all()


def theme_labels(*, session: Session, response_ids: Sequence[str]) -> dict[str, list[str]]:
    """Response id → the labels of the live themes its sentences mention, most mentioned first."""
    if not response_ids:
        return {}
    query = (
        select(ThemeMention.response_id, Theme.label, func.count())
        .join(Theme, Theme.id == ThemeMention.theme_id)
        .where(ThemeMention.response_id.in_(list(response_ids)), Theme.status != "merged")
        .group_by(ThemeMention.response_id, Theme.label)
        .order_by(ThemeMention.response_id, func.count().desc(), Theme.label)
    )
    labels: dict[str, list[str]] = defaultdict(list)
    for response_id, label, _ in session.execute(query):
        labels[response_id].append(label)
    return dict(labels)


def response(*, session: Session, response_id: str) -> Response | None:
    return session.get(Response, response_id)


def response_of_conversation(*, session: Session, conversation_id: str) -> Response | None:
    return session.scalars(select(Response).where(Response.conversation_id == conversation_id)).one_or_none()


def conversation(*, session: Session, conversation_id: str) -> Conversation | None:
    return session.get(Conversation, conversation_id)


def messages(*, session: Session, conversation_id: str) -> Sequence[Message]:
    """The conversation's messages in the order they were exchanged."""
    query = select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
    return session.scalars(query).all()


def analysis(*, session: Session, response_id: str) -> ResponseAnalysis | None:
    return session.get(ResponseAnalysis, response_id)


def distinct_values(*, session: Session, restrict: Restrict, column: str) -> list[str]:
    """The channels or languages the selection's responses use, sorted."""
    chosen = {"channel": Response.channel, "language": Response.language}[column]
    query = restrict(select(chosen).distinct().select_from(Response))
    return sorted(str(value) for value in session.scalars(query) if value)


def segment_values(*, session: Session, restrict: Restrict) -> dict[str, list[str]]:
    """Segment name → its values, over the newest responses of the selection."""
    query = restrict(
        select(Response.segment).order_by(Response.responded_at.desc()).limit(SCANNED_FOR_SEGMENTS)
    )
    found: dict[str, set[str]] = defaultdict(set)
    for segment in session.scalars(query):
        for name, value in (segment or {}).items():
            found[str(name)].add(str(value))
    return {name: sorted(values) for name, values in sorted(found.items())}
