"""Customer messages arriving through provider webhooks: stored once, then answered in order.

A webhook route verifies the provider's signature, parses the body into `WebhookEvent`s with the
channel module, and calls `accept_events` inside one transaction; it answers 200 as soon as that
commits. The interviewer's turn happens afterwards on the queue (`process_inbound`), so a slow
turn never makes a provider retry, and a provider's retry never produces a second reply.

Routing: a message goes to the newest open conversation with that address on that channel; if
there is none, to the newest conversation with it on that channel (a late reply, a STOP or START
after the end: stored and heard, not interviewed); if there is none either, a program that allows
inbound starts on that channel opens a new conversation (`askwhy.conversations.inbound_start`). Otherwise the
message is not stored (``unrouted``), but a STOP or START in it still counts for the customer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from askwhy import conversations
from askwhy.channels.base import InboundEvent, StatusEvent, WebhookEvent
from askwhy.clock import Clock
from askwhy.conversations.inbound_start import start_from_inbound
from askwhy.conversations.records import Known, after_the_end
from askwhy.conversations.voice_notes import Hearing, hear_notes, unheard_notes
from askwhy.conversations.wording import LLMWording, Wording, stored_inbound, word_waiting
from askwhy.customers import consent
from askwhy.customers.addresses import normalise_address
from askwhy.domain.channels import PHONE_ADDRESSED, facts
from askwhy.domain.conversation import Channel, ConversationStatus
from askwhy.domain.guide import Guide
from askwhy.interview.optout import is_opt_out
from askwhy.outbox.statuses import record_status
from askwhy.queue.jobs import Jobs
from askwhy.store import conversations as conversation_queries
from askwhy.store import messaging as queries
from askwhy.store.dead_letters import reason_of
from askwhy.store.inbox import UNAVAILABLE
from askwhy.store.messaging import Unprocessed
from askwhy.store.tables import Contact, Conversation, Message

log = logging.getLogger(__name__)

"""Channels where a business may answer freely only for a while after the customer wrote."""
ANSWERED_WITHIN = timedelta(hours=24)
"""A message still waiting after this long is not answered by the queue (the customer moved on)."""
BATCH_CONVERSATIONS = 40
"""Conversations one `answer_waiting` transaction takes at most. In the WhatsApp benchmark 40
served more messages a second, with shorter webhook waits, than 20 (fewer write turns) or 64
(webhooks waited behind longer ones)."""


@dataclass(frozen=True)
class Accepted:
    """What `accept_events` stored."""

    new_messages: list[int] = field(default_factory=list)
    """Ids of inbound messages stored now, to be processed on the queue (`process_inbound`)."""
    duplicates: int = 0
    """Events whose provider message id was already stored (provider retries): ignored."""
    statuses: int = 0
    """Delivery status events recorded."""
    unrouted: int = 0
    """Messages from an address with no conversation on that channel: not stored."""
    failed: list[Failed] = field(default_factory=list)
    """Events that could not be stored (only when each is stored on its own): the others were."""


@dataclass(frozen=True)
class Failed:
    """A message or status that failed to store, and why (one line)."""

    provider_message_id: str
    reason: str


@dataclass(frozen=True)
class Answering:
    """What answering stored messages uses: the composition root hands it to the queue's tasks."""

    sessions: sessionmaker[Session]
    """Sessions for the turns' write transactions."""
    reads: sessionmaker[Session]
    """Sessions for finding what waits, outside any write turn."""
    guides: Mapping[str, Guide]
    clock: Clock
    llm: LLMWording | None = None
    """The optional LLM that words replies, asked before the write transaction (`conversations.wording`)."""
    hearing: Hearing | None = None
    """What transcribes voice notes before their turn (`conversations.voice_notes`); None: the
    customer is asked to type."""


STATUS, UNROUTED, DUPLICATE = -1, None, 0
"""What `_accept_event` did, besides storing a new message (its id)."""


def accept_events(
    *, session: Session, jobs: Jobs, events: Sequence[WebhookEvent], now: datetime, one_by_one: bool = False
) -> Accepted:
    """Store each inbound message once (unique on channel + provider id) and record statuses.

    With ``one_by_one``, each event is stored in a savepoint of its own, so one that fails (a text
    no database takes, a date out of range) is listed in `Accepted.failed` and leaves the others
    stored; the database being unavailable still fails them all. Once the caller's transaction
    commits, the queue is nudged to answer them (`answer_waiting`).
    """
    outcomes: list[int | None] = []
    failed: list[Failed] = []
    for event in events:
        if not one_by_one:
            outcomes.append(_accept_event(session=session, event=event, now=now))
            continue
        try:
            with session.begin_nested():
                outcomes.append(_accept_event(session=session, event=event, now=now))
        except UNAVAILABLE:
            raise
        except Exception as exc:
            failed.append(Failed(provider_message_id=event.provider_message_id, reason=reason_of(exc)))
            log.debug("%s %s failed to store", event.channel, event.provider_message_id, exc_info=exc)
    new_messages = [outcome for outcome in outcomes if outcome is not None and outcome > 0]
    if new_messages:
        jobs.nudge_after_commit(session, "process_inbound")
    return Accepted(
        new_messages=new_messages,
        duplicates=outcomes.count(DUPLICATE),
        statuses=outcomes.count(STATUS),
        unrouted=outcomes.count(UNROUTED),
        failed=failed,
    )


def _accept_event(*, session: Session, event: WebhookEvent, now: datetime) -> int | None:
    if isinstance(event, StatusEvent):
        record_status(session=session, event=event, now=now)
        return STATUS
    return _accept_message(session=session, event=event, now=now)


def _accept_message(*, session: Session, event: InboundEvent, now: datetime) -> int | None:
    """The new message's id, 0 for a duplicate, None when no conversation takes it.

    Plain statements, no ORM objects: this runs for every webhook, holding SQLite's write turn.
    """
    channel = Channel(event.channel)
    address = normalise_address(channel, event.sender)
    conversation_id = _routed_and_held(session=session, channel=channel, address=address)
    if conversation_id is None:
        conversation_id = queries.conversation_to_route(
            session=session, channel=channel.value, address=address
        )
        if conversation_id is None:
            started = start_from_inbound(session=session, channel=channel, address=address, now=now)
            conversation_id = started.id if started is not None else None
        if conversation_id is None or not _hold(session=session, conversation_id=conversation_id):
            _heed_keywords(session=session, channel=channel, address=address, text=event.text, now=now)
            return None
    # Under the conversation's lock, so messages of one conversation take consecutive places.
    message_id = queries.insert_inbound(
        session=session,
        values={
            "conversation_id": conversation_id,
            "direction": "in",
            "channel": channel.value,
            "text": event.text,
            "media_type": event.media_type,
            "provider_message_id": event.provider_message_id,
            "status": "received",
            "created_at": now,
            "choices": [],
            "payload": _payload_of(event),
        },
    )
    if message_id is None:
        return 0
    window = facts(channel).reply_window
    if window is not None:
        queries.extend_reply_window(
            session=session, conversation_id=conversation_id, until=event.received_at + window
        )
    return message_id


def _routed_and_held(*, session: Session, channel: Channel, address: str) -> str | None:
    """PostgreSQL: the conversation to route to, already locked, in one statement; None on SQLite
    (whose write turn is the lock) or when the address has no conversation yet."""
    if session.get_bind().dialect.name == "sqlite":
        return None
    return queries.locked_conversation_to_route(session=session, channel=channel.value, address=address)


def _hold(*, session: Session, conversation_id: str) -> bool:
    """Lock the conversation for this transaction; False if it is gone.

    On SQLite the transaction already holds the only write turn, and found the conversation
    itself, so there is nothing more to take."""
    if session.get_bind().dialect.name == "sqlite":
        return True
    return conversation_queries.lock_conversation_id(session=session, conversation_id=conversation_id)


def _payload_of(event: InboundEvent) -> dict[str, object]:
    payload: dict[str, object] = {"received_at": event.received_at.isoformat()}
    for name in ("media_id", "choice_id", "recipient"):
        value = getattr(event, name)
        if value is not None:
            payload[name] = value
    return payload


def answer_waiting(*, ports: Answering, limit: int = BATCH_CONVERSATIONS) -> int:
    """Answer the waiting messages of up to ``limit`` conversations, in one transaction.

    One write transaction for many conversations: on SQLite, where writers take turns, that turn
    is the scarce thing, so which conversations wait is read outside it, and the batch is loaded
    with a few queries, not a few per conversation. The conversations are locked (on PostgreSQL
    those another worker holds are left to it) and their messages are taken in order. Should a
    turn fail, the batch is rolled back and taken again one conversation per transaction, so
    only the failing one stays waiting. Returns how many conversations were looked at.
    """
    now = ports.clock.now()
    with ports.reads.begin() as session:
        waiting = queries.conversations_waiting(session=session, since=now - ANSWERED_WITHIN, limit=limit)
        notes = unheard_notes(session=session, conversation_ids=waiting) if ports.hearing is not None else []
    if not waiting:
        return 0
    if ports.hearing is not None and notes:  # voice notes become text before the turn, no lock held
        hear_notes(hearing=ports.hearing, sessions=ports.sessions, notes=notes)
    wordings = word_waiting(
        reads=ports.reads, guides=ports.guides, llm=ports.llm, conversation_ids=waiting, now=now
    )
    try:
        with ports.sessions.begin() as session:
            process_conversations(
                session=session,
                guides=ports.guides,
                conversation_ids=waiting,
                now=now,
                skip_locked=True,
                wordings=wordings,
            )
    except Exception:
        log.warning("a batch of %d conversations failed; answering them one by one", len(waiting))
        for conversation_id in waiting:
            try:
                with ports.sessions.begin() as session:
                    process_conversation(
                        session=session,
                        guides=ports.guides,
                        conversation_id=conversation_id,
                        now=now,
                        skip_locked=True,
                        wordings=wordings,
                    )
            except Exception:
                log.exception("conversation %s: its waiting messages could not be answered", conversation_id)
    return len(waiting)


def process_inbound(*, ports: Answering, message_id: int) -> int:
    """Run the interviewer for a stored inbound message, under the conversation's lock.

    Every unprocessed message of the conversation is taken, in order, so a message whose task
    ran late is never answered before the one before it. Returns how many were taken.
    """
    with ports.sessions.begin() as session:
        message = session.get(Message, message_id)
        if message is None or message.direction != "in" or message.processed_at is not None:
            return 0
        return process_conversation(
            session=session,
            guides=ports.guides,
            conversation_id=message.conversation_id,
            now=ports.clock.now(),
        )


def process_conversation(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    conversation_id: str,
    now: datetime,
    skip_locked: bool = False,
    wordings: Mapping[int, Wording] | None = None,
) -> int:
    """Take every unprocessed inbound message of one conversation, oldest first.

    With ``skip_locked``, a conversation whose lock another transaction holds is left alone.
    """
    return process_conversations(
        session=session,
        guides=guides,
        conversation_ids=[conversation_id],
        now=now,
        skip_locked=skip_locked,
        wordings=wordings,
    )


def process_conversations(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    conversation_ids: Sequence[str],
    now: datetime,
    skip_locked: bool = False,
    wordings: Mapping[int, Wording] | None = None,
) -> int:
    """Take every unprocessed inbound message of these conversations, each one's oldest first.

    The conversations are locked in id order (with ``skip_locked``, those another transaction
    holds are left alone). ``wordings`` are the LLM's, by message id (`word_waiting`). Returns how
    many messages were taken.
    """
    # What the turns need is read once, up front, with no flush: the batch's writes are flushed
    # together when it commits.
    with session.no_autoflush:
        locked = conversation_queries.lock_conversations(
            session=session, conversation_ids=sorted(set(conversation_ids)), skip_locked=skip_locked
        )
        ids = [conversation.id for conversation in locked]
        pending = queries.unprocessed_inbound(session=session, conversation_ids=ids) if ids else []
        if not pending:
            return 0
        waiting = {message.conversation_id for message in pending}
        knowns = _known_of(session=session, conversation_ids=[i for i in ids if i in waiting])
        by_id = {conversation.id: conversation for conversation in locked}
        for message in pending:
            conversation_id = message.conversation_id
            _take(
                session=session,
                guides=guides,
                conversation=by_id[conversation_id],
                message=message,
                now=now,
                known=knowns[conversation_id],
                wording=(wordings or {}).get(message.id),
            )
    queries.mark_processed(session=session, message_ids=[message.id for message in pending], at=now)
    return len(pending)


def _known_of(*, session: Session, conversation_ids: Sequence[str]) -> dict[str, Known]:
    """Where each locked conversation's next message goes, and its response, in two queries."""
    seqs = conversation_queries.next_seqs(session=session, conversation_ids=conversation_ids)
    responses = conversation_queries.responses_of(session=session, conversation_ids=conversation_ids)
    return {
        conversation_id: Known(seq=seqs[conversation_id], response=responses.get(conversation_id))
        for conversation_id in conversation_ids
    }


def _take(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    conversation: Conversation,
    message: Unprocessed,
    now: datetime,
    known: Known | None = None,
    wording: Wording | None = None,
) -> None:
    source = f"reply:{conversation.channel}"

    def contact() -> Contact | None:  # looked up only when consent is at stake
        session.flush()  # consent reads the store: let it see this batch's writes
        return _contact_of(session=session, conversation=conversation)

    if (
        consent.is_opt_in(message.text)
        and (found := contact()) is not None
        and found.opted_out_at is not None
    ):
        consent.opt_in(session=session, contact=found, channel=conversation.channel, at=now, source=source)
        return
    if not ConversationStatus(conversation.status).is_open:
        if is_opt_out(message.text) and (found := contact()) is not None:
            consent.opt_out(
                session=session, contact=found, channel=conversation.channel, at=now, source=source
            )
        else:  # the customer answers after the interview: the conversation's case hears it
            after_the_end(session, message.id)
        return
    guide = guides.get(conversation.guide_id)
    if guide is not None and not conversation.state:
        # The customer wrote first (an inbound start): their message opens the conversation.
        conversations.open_started(
            session=session, guide=guide, conversation=conversation, now=now, known=known
        )
        return
    if guide is None:
        log.warning(
            "conversation %s: guide %s is not loaded; message kept", conversation.id, conversation.guide_id
        )
        return
    conversations.take_turn(
        session=session,
        guide=guide,
        conversation=conversation,
        inbound=stored_inbound(message),
        now=now,
        known=known,
        wording=wording,
    )
    if conversation.status == ConversationStatus.OPTED_OUT.value and (found := contact()) is not None:
        consent.opt_out(session=session, contact=found, channel=conversation.channel, at=now, source=source)


def _heed_keywords(*, session: Session, channel: Channel, address: str, text: str, now: datetime) -> None:
    """A STOP or START from an address with no conversation still counts for its customer."""
    opting_out, opting_in = is_opt_out(text), consent.is_opt_in(text)
    if not (opting_out or opting_in):
        return
    contact = _contact_by_address(session=session, channel=channel, address=address)
    if contact is None:
        return
    change = consent.opt_out if opting_out else consent.opt_in
    change(session=session, contact=contact, channel=channel.value, at=now, source=f"reply:{channel.value}")


def _contact_of(*, session: Session, conversation: Conversation) -> Contact | None:
    if conversation.contact_id:
        return session.get(Contact, conversation.contact_id)
    if conversation.channel_address is None:
        return None
    return _contact_by_address(
        session=session, channel=Channel(conversation.channel), address=conversation.channel_address
    )


def _contact_by_address(*, session: Session, channel: Channel, address: str) -> Contact | None:
    if channel in PHONE_ADDRESSED:
        return queries.contact_by_address(session=session, phone=address)
    if channel is Channel.EMAIL:
        return queries.contact_by_address(session=session, email=address)
    return None
