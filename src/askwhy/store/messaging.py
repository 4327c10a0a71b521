"""Queries for routing inbound messages and matching delivery statuses to outbound ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    Update,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    or_,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.orm import Session

from askwhy.store.conversations import set_lock_timeout
from askwhy.store.messaging_tables import DeliveryEvent
from askwhy.store.tables import Contact, Conversation, Message

OPEN_STATUSES = ("invited", "active")


def open_conversation_for(*, session: Session, channel: str, address: str) -> Conversation | None:
    """The newest open conversation with this customer on this channel."""
    query = (
        select(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.channel_address == address,
            Conversation.status.in_(OPEN_STATUSES),
        )
        .order_by(Conversation.started_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def contact_by_address(
    *, session: Session, phone: str | None = None, email: str | None = None
) -> Contact | None:
    """The contact with this phone or e-mail (the newest, should several share it)."""
    if phone:
        condition = Contact.phone == phone
    elif email:
        condition = Contact.email == email
    else:
        return None
    query = select(Contact).where(condition).order_by(Contact.created_at.desc()).limit(1)
    return session.scalars(query).first()


@dataclass(frozen=True)
class Unprocessed:
    """An inbound message the interviewer has not taken yet: what a turn reads of it."""

    id: int
    conversation_id: str
    text: str
    media_type: str | None
    payload: dict[str, Any]


def unprocessed_inbound(
    *, session: Session, conversation_ids: Sequence[str], media_type: str | None = None
) -> list[Unprocessed]:
    """The inbound messages of these conversations the interviewer has not taken yet (only those
    of ``media_type``, if given), each conversation's oldest first. Plain rows: they are only
    read, then marked (`mark_processed`)."""
    parameters: dict[str, object] = {"ids": list(conversation_ids)}
    if media_type is not None:
        parameters["media_type"] = media_type
    rows = session.execute(_unprocessed_query(of_media_type=media_type is not None), parameters)
    return [
        Unprocessed(
            id=row.id,
            conversation_id=str(row.conversation_id),
            text=row.text,
            media_type=row.media_type,
            payload=row.payload or {},
        )
        for row in rows
    ]


def mark_processed(*, session: Session, message_ids: Sequence[int], at: datetime) -> None:
    """Record that the interviewer took these inbound messages, in one statement."""
    if message_ids:
        session.execute(_mark_processed(), {"ids": list(message_ids), "at": at})


def conversations_waiting(*, session: Session, since: datetime, limit: int) -> list[str]:
    """Conversations with customer messages the interviewer has not taken, longest waiting first.

    Only messages stored since ``since`` count. The waiting messages are read in arrival order
    from the partial index ix_messages_waiting, which holds exactly them, so this reads a handful
    of rows whatever the table's size; a GROUP BY would make the planner scan the whole table."""
    rows = session.execute(_waiting_query(), {"since": since, "rows": limit * WAITING_ROWS_PER_CONVERSATION})
    return list(dict.fromkeys(str(conversation_id) for (conversation_id,) in rows))[:limit]


WAITING_ROWS_PER_CONVERSATION = 8
"""Waiting messages read per conversation wanted: customers rarely send more in one go."""


def unmatched_events_for(*, session: Session, message: Message) -> Sequence[DeliveryEvent]:
    """Status events that arrived before the message's send result was recorded, oldest first.

    Matched by provider id or by our idempotency key, as two indexed lookups: under one OR, SQLite
    would read every event of the channel."""
    lookups = []
    if message.provider_message_id:
        lookups.append(
            _unmatched(DeliveryEvent.provider_message_id == message.provider_message_id, message.channel)
        )
    if message.idempotency_key:
        lookups.append(_unmatched(DeliveryEvent.idempotency_key == message.idempotency_key, message.channel))
    if not lookups:
        return []
    query = (
        select(DeliveryEvent)
        .where(DeliveryEvent.id.in_(union(*lookups)))
        .order_by(DeliveryEvent.at, DeliveryEvent.id)
    )
    return session.scalars(query).all()


def _unmatched(condition: ColumnElement[bool], channel: str) -> Select[tuple[int]]:
    return select(DeliveryEvent.id).where(
        condition, DeliveryEvent.channel == channel, DeliveryEvent.message_id.is_(None)
    )


def conversation_to_route(*, session: Session, channel: str, address: str) -> str | None:
    """The conversation a message from this address goes to, in one indexed query: the newest
    open one, else the newest of any status; None if the address has none on this channel."""
    found = session.execute(_route_query(), {"channel": channel, "address": address}).scalar()
    return None if found is None else str(found)


def locked_conversation_to_route(*, session: Session, channel: str, address: str) -> str | None:
    """PostgreSQL: the conversation `conversation_to_route` finds, locked for this transaction as
    `askwhy.store.conversations.lock_conversation_id` locks it, in one statement instead of two
    (a round trip less for every inbound message); None if the address has none on this channel."""
    set_lock_timeout(session)
    found = session.execute(_locked_route_query(), {"channel": channel, "address": address}).scalar()
    return None if found is None else str(found)


def insert_inbound(*, session: Session, values: dict[str, Any]) -> int | None:
    """Insert an inbound message row at the conversation's next place; None when its (channel,
    provider id) is already stored.

    The unique index decides (INSERT … ON CONFLICT DO NOTHING), so two copies racing store one.
    """
    statement = _insert_inbound(session.get_bind().dialect.name)
    found = session.execute(statement, values).scalar()
    return None if found is None else int(found)


def extend_reply_window(*, session: Session, conversation_id: str, until: datetime) -> None:
    """Move the conversation's reply window to ``until`` unless it already reaches further."""
    session.execute(_extend_window(), {"conversation_id": conversation_id, "until": until})


def apply_status_to_outbound(
    *,
    session: Session,
    channel: str,
    provider_message_id: str,
    idempotency_key: str | None,
    status: str,
    rank: float | None,
    ranks: Mapping[str, float],
    at: datetime,
    error_code: str | None,
    error_reason: str | None,
    default_reason: str,
    message_id: int | None = None,
) -> int | None:
    """Apply a delivery status to the outbound message it is about (by the provider's id, else
    the echoed key) in one UPDATE: the status moves only to a higher rank, each timestamp keeps
    its earliest evidence. Returns the message's id, None when no message matches yet.

    A status of unknown rank (None) only links the message to the provider's id. With
    ``message_id`` (a send's own result), that message is the one, and its last error is cleared."""
    statement = _status_update(
        **_status_shape(status=status, rank=rank, ranks=ranks), by_id=message_id is not None
    )
    parameters = {
        "p_id": message_id,
        "p_channel": channel,
        "p_provider_message_id": provider_message_id,
        "p_idempotency_key": idempotency_key,
        "p_status": status,
        "p_rank": _doubled(rank),
        "p_at": at,
        "p_error_code": error_code,
        "p_error_reason": error_reason,
        "p_default_reason": default_reason,
    }
    found = session.execute(statement, parameters).scalar()
    return None if found is None else int(found)


def apply_send_results(
    *,
    session: Session,
    sent: Sequence[tuple[int, str]],
    status: str,
    rank: float | None,
    ranks: Mapping[str, float],
    at: datetime,
    default_reason: str,
) -> None:
    """`apply_status_to_outbound` for many sends' own results at once: each ``(message id,
    provider's id)`` gets ``status`` and its error cleared, one statement executed for all."""
    if not sent:
        return
    statement = _status_update(
        **_status_shape(status=status, rank=rank, ranks=ranks), by_id=True, returning=False
    )
    shared = {
        "p_status": status,
        "p_rank": _doubled(rank),
        "p_at": at,
        "p_error_code": None,
        "p_error_reason": None,
        "p_default_reason": default_reason,
    }
    session.execute(
        statement,
        [
            {**shared, "p_id": message_id, "p_provider_message_id": provider_id}
            for message_id, provider_id in sorted(sent)  # one lock order for every worker
        ],
    )


def _status_shape(*, status: str, rank: float | None, ranks: Mapping[str, float]) -> dict[str, Any]:
    """What decides the UPDATE's form: the timestamps ``rank`` implies, failure, and the ranks."""
    level = 0 if rank is None else sum(rank >= ranks[name] for name in ("sent", "delivered", "read"))
    # Ranks go to SQL doubled, as integers (failed ranks 2.5), so every backend compares them alike.
    doubled = tuple((name, round(value * 2)) for name, value in ranks.items())
    return {"level": level, "failed": status == "failed", "ranks": doubled}


def _doubled(rank: float | None) -> int:
    return -1 if rank is None else round(rank * 2)


def insert_delivery_event(*, session: Session, values: dict[str, Any]) -> None:
    """Keep a status event as received."""
    session.execute(_insert_delivery_event(), values)


# Hot-path statements are built once: building one costs more than running it on SQLite.

OUTBOUND = literal_column("'out'", Message.direction.type)
"""``direction = 'out'`` written inline, not as a bound parameter: beside the OR of two index
lookups that finds a status's message, a bound direction made SQLite's work for the status
UPDATE about three times as long (0.10 against 0.03 ms on SQLite 3.40)."""


INBOUND = literal_column("'in'", Message.direction.type)
"""``direction = 'in'`` written inline: a partial index on waiting messages is only used by a
query whose condition names its direction as the index does."""


@cache
def _waiting_query() -> Select[tuple[str]]:
    table = cast(Table, Message.__table__)
    c = table.c
    return (
        select(c.conversation_id)
        .where(
            c.direction == INBOUND,
            c.processed_at.is_(None),
            c.created_at >= bindparam("since", type_=c.created_at.type),
        )
        .order_by(c.created_at)
        .limit(bindparam("rows"))
    )


@cache
def _unprocessed_query(*, of_media_type: bool = False) -> Select[Any]:
    table = cast(Table, Message.__table__)
    c = table.c
    query = (
        select(c.id, c.conversation_id, c.text, c.media_type, c.payload)
        .where(
            c.conversation_id.in_(bindparam("ids", expanding=True)),
            c.direction == "in",
            c.processed_at.is_(None),
        )
        .order_by(c.conversation_id, c.seq)
    )
    return query.where(c.media_type == bindparam("media_type")) if of_media_type else query


@cache
def _mark_processed() -> Update:
    table = cast(Table, Message.__table__)
    c = table.c
    return (
        update(table)
        .where(c.id.in_(bindparam("ids", expanding=True)))
        .values(processed_at=bindparam("at", type_=c.processed_at.type))
    )


@cache
def _route_query() -> Select[tuple[str]]:
    table = cast(Table, Conversation.__table__)
    closed = case((table.c.status.in_(OPEN_STATUSES), 0), else_=1)
    return (
        select(table.c.id)
        .where(table.c.channel == bindparam("channel"), table.c.channel_address == bindparam("address"))
        .order_by(closed, table.c.started_at.desc(), table.c.id.desc())
        .limit(1)
    )


@cache
def _locked_route_query() -> Select[tuple[str]]:
    return _route_query().with_for_update()


INBOUND_COLUMNS = (
    "conversation_id", "direction", "channel", "text", "media_type", "provider_message_id",
    "status", "created_at", "choices", "payload",
)  # fmt: skip
"""The columns `insert_inbound` sets; ``seq`` it works out itself."""


@cache
def _insert_inbound(dialect: str) -> Any:
    table = cast(Table, Message.__table__)
    if dialect == "sqlite":
        # INSERT OR IGNORE on SQLAlchemy's own insert: it compiles once and is cached, where the
        # SQLite dialect's insert (for ON CONFLICT DO NOTHING) is compiled again on every call,
        # which cost more than running it. The row holds every NOT NULL value and takes its seq
        # under the write turn, so the unique provider id is the only conflict there can be.
        statement: Any = insert(table).prefix_with("OR IGNORE")
    elif dialect == "postgresql":
        statement = postgresql_insert(table)
    else:  # pragma: no cover - askwhy runs on SQLite or PostgreSQL
        raise NotImplementedError(dialect)
    # The next place in the conversation, in the same statement: the caller holds the
    # conversation (its row lock, or SQLite's single writer), so no other message takes it.
    next_seq = (
        select(func.coalesce(func.max(table.c.seq), 0) + 1)
        .where(table.c.conversation_id == bindparam("conversation_id"))
        .scalar_subquery()
    )
    values = {name: bindparam(name, type_=table.c[name].type) for name in INBOUND_COLUMNS}
    statement = statement.values({**values, "seq": next_seq})
    if dialect == "postgresql":
        statement = statement.on_conflict_do_nothing(index_elements=["channel", "provider_message_id"])
    return statement.returning(table.c.id)


@cache
def _extend_window() -> Update:
    table = cast(Table, Conversation.__table__)
    window = table.c.reply_window_until
    until = bindparam("until", type_=window.type)
    return (
        update(table)
        .where(table.c.id == bindparam("conversation_id"), or_(window.is_(None), window < until))
        .values(reply_window_until=until)
    )


@cache
def _status_update(
    *, level: int, failed: bool, ranks: tuple[tuple[str, int], ...], by_id: bool, returning: bool = True
) -> Update:
    table = cast(Table, Message.__table__)
    c = table.c
    at = bindparam("p_at", type_=c.sent_at.type)
    key = bindparam("p_idempotency_key", type_=c.idempotency_key.type)
    target: Any = bindparam("p_id") if by_id else _outbound_matching(table, key)
    current_rank = case(dict(ranks), value=c.status, else_=0)
    changes: dict[str, Any] = {
        "provider_message_id": func.coalesce(c.provider_message_id, bindparam("p_provider_message_id")),
        "status": case(
            (current_rank < bindparam("p_rank", type_=Integer), bindparam("p_status")), else_=c.status
        ),
    }
    if by_id:
        changes["error_code"] = changes["error_reason"] = None
    if failed:
        changes["error_code"] = func.coalesce(bindparam("p_error_code"), c.error_code)
        changes["error_reason"] = func.coalesce(
            bindparam("p_error_reason"), c.error_reason, bindparam("p_default_reason")
        )
    # A higher status implies the lower ones happened by then; the earliest evidence wins.
    if level >= 1:
        changes["next_attempt_at"] = None
        if not failed:
            changes["sent_at"] = _earliest(c.sent_at, at)
    if level >= 2:
        changes["delivered_at"] = _earliest(c.delivered_at, at)
    if level >= 3:
        changes["read_at"] = _earliest(c.read_at, at)
    statement = update(table).where(c.id == target).values(changes)
    return statement.returning(c.id) if returning else statement


def _outbound_matching(table: Table, key: Any) -> Any:
    """The outbound message a status names, by the provider's id or by our idempotency key: two
    indexed lookups, not one under an OR, which PostgreSQL read as every message of the channel
    (0.8 ms a status at 3,000 messages, growing with the table; 0.04 ms so)."""
    c = table.c

    def lookup(condition: ColumnElement[bool]) -> Select[tuple[int]]:
        return select(c.id).where(c.channel == bindparam("p_channel"), c.direction == OUTBOUND, condition)

    either = union_all(
        lookup(c.provider_message_id == bindparam("p_provider_message_id")), lookup(c.idempotency_key == key)
    ).subquery()
    return select(either.c.id).limit(1).scalar_subquery()


def _earliest(column: Any, at: Any) -> Any:
    return case((or_(column.is_(None), column > at), at), else_=column)


@cache
def _insert_delivery_event() -> Any:
    table = cast(Table, DeliveryEvent.__table__)
    names = (
        "channel", "provider_message_id", "idempotency_key", "message_id", "status", "at",
        "error_code", "error_reason", "raw", "received_at",
    )  # fmt: skip
    return insert(table).values({name: bindparam(name, type_=table.c[name].type) for name in names})
