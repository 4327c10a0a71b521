"""Queries for conversations and their messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import cast

from sqlalchemy import Select, Table, bindparam, func, select, text
from sqlalchemy.orm import Session

from askwhy.store.database import LOCK_WAIT
from askwhy.store.tables import Contact, Conversation, Message, Response

LOCK_TIMEOUT = "5s"
"""How long a transaction waits for a conversation's row lock on PostgreSQL (SQLite: busy timeout),
outside a request; a request waits its own `Settings.request_lock_wait_seconds`."""


def lock_conversation(
    *, session: Session, conversation_id: str, skip_locked: bool = False
) -> Conversation | None:
    """Load a conversation for update: a row lock on PostgreSQL, the write lock on SQLite.

    The lock waits at most the lock timeout (then the transaction fails and is retried), so a
    slow or crashed holder never leaves a conversation stuck; with ``skip_locked`` a conversation
    another transaction holds gives None at once (PostgreSQL; SQLite has one writer anyway).
    """
    set_lock_timeout(session)
    query = (
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .with_for_update(skip_locked=skip_locked)
    )
    return session.scalars(query).one_or_none()


def lock_conversation_id(*, session: Session, conversation_id: str) -> bool:
    """Take the conversation's lock as `lock_conversation` does, loading nothing; False if it is gone."""
    set_lock_timeout(session)
    return session.execute(_lock_query(), {"conversation_id": conversation_id}).first() is not None


def lock_conversations(
    *, session: Session, conversation_ids: Sequence[str], skip_locked: bool = False
) -> list[Conversation]:
    """Load many conversations for update, in id order, as `lock_conversation` loads one.

    One lock order for every worker, so two batches never deadlock; with ``skip_locked`` those
    another transaction holds are left out (PostgreSQL; SQLite has one writer anyway)."""
    if not conversation_ids:
        return []
    set_lock_timeout(session)
    query = _lock_many_query(skip_locked)
    return list(session.scalars(query, {"ids": list(conversation_ids)}))


def next_seqs(*, session: Session, conversation_ids: Sequence[str]) -> dict[str, int]:
    """Where the next message of each conversation goes (1 for one with no message yet)."""
    rows = session.execute(_next_seqs_query(), {"ids": list(conversation_ids)})
    found = {str(conversation_id): int(last) + 1 for conversation_id, last in rows}
    return {conversation_id: found.get(conversation_id, 1) for conversation_id in conversation_ids}


def responses_of(*, session: Session, conversation_ids: Sequence[str]) -> dict[str, Response]:
    """The responses of these conversations, by conversation id (one with none is absent)."""
    responses = session.scalars(_responses_query(), {"ids": list(conversation_ids)})
    return {str(response.conversation_id): response for response in responses}


def next_seq(*, session: Session, conversation_id: str) -> int:
    return int(session.execute(_next_seq_query(), {"conversation_id": conversation_id}).scalar() or 0) + 1


@cache
def _lock_query() -> Select[tuple[str]]:
    table = cast(Table, Conversation.__table__)
    return select(table.c.id).where(table.c.id == bindparam("conversation_id")).with_for_update()


# Batch statements are built once (a cached statement keeps its cache key): building one costs
# more than running it on SQLite.


@cache
def _lock_many_query(skip_locked: bool) -> Select[tuple[Conversation]]:
    return (
        select(Conversation)
        .where(Conversation.id.in_(bindparam("ids", expanding=True)))
        .order_by(Conversation.id)
        .with_for_update(skip_locked=skip_locked)
    )


@cache
def _next_seqs_query() -> Select[tuple[str, int]]:
    table = cast(Table, Message.__table__)
    return (
        select(table.c.conversation_id, func.max(table.c.seq))
        .where(table.c.conversation_id.in_(bindparam("ids", expanding=True)))
        .group_by(table.c.conversation_id)
    )


@cache
def _responses_query() -> Select[tuple[Response]]:
    return select(Response).where(Response.conversation_id.in_(bindparam("ids", expanding=True)))


@cache
def _next_seq_query() -> Select[tuple[int]]:
    table = cast(Table, Message.__table__)
    return select(func.coalesce(func.max(table.c.seq), 0)).where(
        table.c.conversation_id == bindparam("conversation_id")
    )


def transcript(*, session: Session, conversation_id: str) -> Sequence[Message]:
    query = select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
    return session.scalars(query).all()


def response_for(*, session: Session, conversation_id: str) -> Response | None:
    return session.scalars(select(Response).where(Response.conversation_id == conversation_id)).one_or_none()


def idle_open_conversations(*, session: Session, idle_since: datetime, limit: int = 500) -> Sequence[str]:
    query = (
        select(Conversation.id)
        .where(Conversation.status.in_(("invited", "active")), Conversation.last_activity_at < idle_since)
        .order_by(Conversation.last_activity_at)
        .limit(limit)
    )
    return session.scalars(query).all()


LOCK_TIMEOUT_SET = "askwhy.lock_timeout_set"
"""`Session.info` key: the transaction whose lock timeout is set already."""


def set_lock_timeout(session: Session) -> None:
    """Bound lock waits for the rest of this transaction on PostgreSQL (SQLite has its busy timeout),
    once a transaction: a storing batch locks a conversation per message, and each SET was a round
    trip of its own."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if LOCK_WAIT.get() is not None:  # a request waits its own bound, set as its transaction began
        return
    # Keyed on the innermost transaction: a savepoint rolled back undoes a SET made within it.
    current = session.get_nested_transaction() or session.get_transaction()
    if current is not None and session.info.get(LOCK_TIMEOUT_SET) is current:
        return
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    session.info[LOCK_TIMEOUT_SET] = session.get_nested_transaction() or session.get_transaction()


def holds_customer_data(*, session: Session) -> bool:
    """True once the database holds any customer, conversation or response at all."""
    return any(
        session.scalar(select(column).limit(1)) is not None
        for column in (Response.id, Conversation.id, Contact.id)
    )
