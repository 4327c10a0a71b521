"""Raw transcript retention: past the retention, a customer's words are kept only redacted.

Enrichment reads the customer's raw words once and stores their redacted form. Once
ASKWHY_RAW_TRANSCRIPT_RETENTION_DAYS have passed, every raw copy is replaced by the redacted form
as well: a response's comment and answers, the answers and typed score in its conversation's
state, and the customer's messages. Transcripts stay readable and analysis keeps working; the
e-mail addresses, phone numbers, card numbers and IBANs the customer typed are gone. askwhy's own
messages hold no customer text and are left as they are.

A response is purged only once it has been analysed as it stands, and only when its conversation
is closed; a conversation's messages only once its response is purged (or it has none). Age runs
from when the customer answered: a response's ``responded_at`` (for imported feedback, the date in
the file) and its conversation's last activity, and a message's ``created_at``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, and_, literal_column, or_, select
from sqlalchemy.orm import Session, sessionmaker

from askwhy.analysis.redaction import redact
from askwhy.domain.conversation import ConversationStatus
from askwhy.store.analysis_tables import ResponseAnalysis
from askwhy.store.freed_space import LogNotTruncated, wipe_freed_space
from askwhy.store.tables import Conversation, Message, Response

OPEN = [status.value for status in ConversationStatus if status.is_open]


@dataclass(frozen=True)
class Purge:
    """How many responses and customer messages had their raw text replaced."""

    responses: int = 0
    messages: int = 0

    def __add__(self, other: Purge) -> Purge:
        return Purge(self.responses + other.responses, self.messages + other.messages)


def purge_raw_transcripts(
    *,
    session: Session,
    now: datetime,
    retention_days: int,
    region: str = "US",
    only: Sequence[str] | None = None,
    limit: int = 500,
) -> Purge:
    """Replace raw customer text older than ``retention_days`` by its redacted form.

    At most ``limit`` responses and ``limit`` messages are purged per call; ``only`` restricts the
    purge to these responses and their conversations. Phone numbers without a country code are read
    as ``region``'s, as enrichment reads them.
    """
    cutoff = now - timedelta(days=retention_days)
    responses = _purge_responses(
        session=session, cutoff=cutoff, now=now, region=region, only=only, limit=limit
    )
    messages = _purge_messages(session=session, cutoff=cutoff, now=now, region=region, only=only, limit=limit)
    return Purge(responses=responses, messages=messages)


def purge_all(
    *,
    sessions: sessionmaker[Session],
    now: datetime,
    retention_days: int,
    region: str = "US",
    batch_size: int = 500,
    progress: Callable[[Purge], None] | None = None,
) -> Purge:
    """Purge everything due, one transaction per batch; returns the totals."""
    total = Purge()
    while True:
        with sessions.begin() as session:
            done = purge_raw_transcripts(
                session=session, now=now, retention_days=retention_days, region=region, limit=batch_size
            )
        total += done
        if progress is not None:
            progress(done)
        if done.responses < batch_size and done.messages < batch_size:
            return total


def wipe_purged(engine: Engine) -> bool:
    """After a purge replaced raw text: cut the database's log (SQLite) or vacuum the purged tables
    (PostgreSQL), so the raw words are in no file; False if readers kept the log in use (the next
    purge tries again)."""
    try:
        wipe_freed_space(engine, tables=(Response.__tablename__, Message.__tablename__))
    except LogNotTruncated:
        return False
    return True


def _purge_responses(
    *, session: Session, cutoff: datetime, now: datetime, region: str, only: Sequence[str] | None, limit: int
) -> int:
    query = (
        select(Response, ResponseAnalysis.text)
        .join(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .outerjoin(Conversation, Conversation.id == Response.conversation_id)
        .where(Response.raw_purged_at.is_(None), Response.responded_at <= cutoff)
        .where(Response.updated_at <= ResponseAnalysis.enriched_at)  # analysed as it stands
        .where(or_(Response.conversation_id.is_(None), _closed_before(cutoff)))
        .order_by(Response.responded_at, Response.id)
        .limit(limit)
        .with_for_update(of=Response, skip_locked=True)
    )
    rows = session.execute(query if only is None else query.where(Response.id.in_(only))).all()
    conversation_ids = [response.conversation_id for response, _ in rows if response.conversation_id]
    for conversation in session.scalars(select(Conversation).where(Conversation.id.in_(conversation_ids))):
        state = _redacted_state(conversation.state, region)
        if state != conversation.state:
            conversation.state = state
    for response, redacted in rows:
        response.comment = redacted
        response.answers = [_redacted_answer(answer, region) for answer in response.answers]
        response.raw_purged_at = now
    session.flush()
    return len(rows)


def _purge_messages(
    *, session: Session, cutoff: datetime, now: datetime, region: str, only: Sequence[str] | None, limit: int
) -> int:
    query: Select[tuple[Message]] = (
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .outerjoin(Response, Response.conversation_id == Conversation.id)
        # A literal, so PostgreSQL sees the partial index ix_messages_raw_kept applies.
        .where(Message.direction == literal_column("'in'"), Message.raw_purged_at.is_(None))
        .where(Message.created_at <= cutoff, Conversation.status.not_in(OPEN))
        .where(or_(Response.id.is_(None), Response.raw_purged_at.is_not(None)))
        .order_by(Message.created_at, Message.id)
        .limit(limit)
        .with_for_update(of=Message, skip_locked=True)
    )
    messages = list(session.scalars(query if only is None else query.where(Response.id.in_(only))))
    for message in messages:
        message.text = redact(message.text, default_region=region).text
        message.raw_purged_at = now
    session.flush()
    return len(messages)


def _closed_before(cutoff: datetime) -> Any:
    return and_(Conversation.status.not_in(OPEN), Conversation.last_activity_at <= cutoff)


def _redacted_answer(answer: Any, region: str) -> Any:
    if not isinstance(answer, dict) or not isinstance(answer.get("text"), str):
        return answer
    return {**answer, "text": redact(answer["text"], default_region=region).text}


def _redacted_state(state: dict[str, Any], region: str) -> dict[str, Any]:
    redacted = dict(state)
    if isinstance(state.get("answers"), list):
        redacted["answers"] = [_redacted_answer(answer, region) for answer in state["answers"]]
    if isinstance(state.get("score_raw"), str):
        redacted["score_raw"] = redact(state["score_raw"], default_region=region).text
    return redacted
