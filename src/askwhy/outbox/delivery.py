"""The outbox worker: deliver each pending outbound message exactly once, retrying what can be.

A delivery claims its message in one short transaction (status ``sending``, one more attempt, a
lease until ``next_attempt_at``), calls the channel's sender with no transaction open, then
records the outcome in another; a batch is claimed a chunk of sends at a time, so what a run
holds is what it has handed to the provider. A worker that dies mid-send
leaves the lease to expire; the message is then sent again only if, within a grace period, no
status event carrying its idempotency key shows the first send went through.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session, sessionmaker

from askwhy.channels.base import OutgoingMessage, Sender, SendError, SendResult, Template
from askwhy.clock import Clock
from askwhy.customers import consent
from askwhy.domain.channels import PHONE_ADDRESSED
from askwhy.domain.conversation import Channel, Choice, ConversationStatus
from askwhy.outbox import outages
from askwhy.outbox.reply_window import with_template
from askwhy.outbox.statuses import reconcile, record_send_results
from askwhy.queue.jobs import Jobs
from askwhy.settings import Settings
from askwhy.store import outbox as queries
from askwhy.store.database import run_again_if_aborted
from askwhy.store.messaging import contact_by_address
from askwhy.store.tables import Contact, Conversation, Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float
    lease_seconds: float
    grace_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_attempts=settings.delivery_max_attempts,
            backoff_seconds=settings.delivery_backoff_seconds,
            backoff_max_seconds=settings.delivery_backoff_max_seconds,
            lease_seconds=settings.delivery_lease_seconds,
            grace_seconds=settings.delivery_grace_seconds,
        )

    def backoff(self, attempts: int, retry_after: float | None, rng: random.Random) -> float:
        """Exponential backoff with equal jitter, never shorter than the provider's Retry-After."""
        ceiling = min(self.backoff_max_seconds, self.backoff_seconds * 2 ** max(attempts - 1, 0))
        delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
        return float(max(delay, retry_after or 0.0))


@dataclass(frozen=True)
class Delivering:
    """What the outbox worker uses; the composition root builds it for the queue's tasks."""

    sessions: sessionmaker[Session]
    """Sessions for claiming messages and recording their outcomes."""
    reads: sessionmaker[Session]
    """Sessions for finding what is due, outside any write turn."""
    clock: Clock
    jobs: Jobs
    """Where retries are scheduled."""
    senders: Mapping[Channel, Sender]
    """The configured channels' senders."""
    policy: RetryPolicy


@dataclass(frozen=True)
class Claim:
    message_id: int
    channel: Channel
    outgoing: OutgoingMessage


Outcome = SendResult | SendError


_rng = random.Random()
BATCH = 50
"""Messages `deliver_due_now` finds due at most at once."""
SENDS_AT_ONCE = 25
"""Sends in flight together in one run, and so the messages it claims at once: half a batch, so
that a full batch costs three write transactions (eight a chunk cost seven), and a run that dies
strands at most this many sends for the lease and the grace period."""


class _SendThreads:
    """The threads a batch's messages are sent on: started on first use in a process and kept,
    since starting threads for every batch cost more CPU than a batch's database work."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0

    def map(self, send: Callable[[Claim], Outcome], claims: list[Claim]) -> list[Outcome]:
        if len(claims) == 1:
            return [send(claims[0])]
        return list(self._executor().map(send, claims))

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            # A forked worker process inherits the pool but not its threads: it starts its own.
            if self._pool is None or self._pid != os.getpid():
                self._pool = ThreadPoolExecutor(max_workers=SENDS_AT_ONCE, thread_name_prefix="askwhy-send")
                self._pid = os.getpid()
            return self._pool


_send_threads = _SendThreads()


def deliver_message(*, ports: Delivering, message_id: int) -> str:
    """Send one due message; returns what happened (sent, retry, failed, skipped…)."""
    held = outages.held(ports.jobs, ports.senders)
    with ports.sessions.begin() as session:
        claim = claim_message(
            session=session, message_id=message_id, now=ports.clock.now(), policy=ports.policy, held=held
        )
    if claim is None:
        return "skipped"
    [outcome], _ = _record(ports=ports, outcomes=[(claim, _send(ports.senders, claim))])
    return outcome


def deliver_due_now(*, ports: Delivering, limit: int = BATCH) -> int:
    """Send up to ``limit`` due messages, found with a read and claimed a chunk of `SENDS_AT_ONCE`
    at a time, each chunk's claim in the transaction that records the previous chunk's results;
    returns how many were found due, or 0 if another worker had claimed them all.

    A run claims only what it is about to hand to the provider: a worker that dies mid-run
    leaves the rest of what it found `pending`, for the next run at once, and only the messages
    that may have reached the provider wait for the lease and the grace period.

    A run that loses part of its batch to another worker claims fewer than a full batch although
    more may be due, and must go on (`Jobs.drain` stops at a short batch); one that lost all of
    it stops, as the run that won goes on. With SQLite's one writer at a time, a chunk costs one
    write transaction, and a run that finds nothing due takes no write turn at all.
    """
    held = outages.held(ports.jobs, ports.senders)  # their messages wait for the provider's probe
    with ports.reads.begin() as session:
        due = queries.due_for_batch(session=session, now=ports.clock.now(), limit=limit, held=held)
    if not due:
        return 0
    chunks = [due[start : start + SENDS_AT_ONCE] for start in range(0, len(due), SENDS_AT_ONCE)]
    claims = _claim_chunk(ports=ports, message_ids=chunks[0])
    claimed_any = bool(claims)
    for following in [*chunks[1:], []]:
        if claims:
            outcomes = _send_threads.map(lambda claim: _send(ports.senders, claim), claims)
            _, claims = _record(
                ports=ports, outcomes=list(zip(claims, outcomes, strict=True)), then_claim=following
            )
        else:
            claims = _claim_chunk(ports=ports, message_ids=following)
        claimed_any = claimed_any or bool(claims)
    return len(due) if claimed_any else 0


def _claim_chunk(*, ports: Delivering, message_ids: list[int]) -> list[Claim]:
    """Claim these messages, those still pending and due, in a transaction of their own."""
    if not message_ids:
        return []
    with ports.sessions.begin() as session:
        return _claim_in(session=session, ports=ports, message_ids=message_ids)


def _claim_in(*, session: Session, ports: Delivering, message_ids: list[int]) -> list[Claim]:
    now = ports.clock.now()
    lease_until = now + timedelta(seconds=ports.policy.lease_seconds)
    rows = queries.claim(session=session, message_ids=message_ids, now=now, lease_until=lease_until)
    return [Claim(message_id=row.id, channel=Channel(row.channel), outgoing=_outgoing(row)) for row in rows]


def _send(senders: Mapping[Channel, Sender], claim: Claim) -> Outcome:
    """Hand the message to its channel's sender; no transaction is open meanwhile."""
    sender = senders.get(claim.channel)
    try:
        if sender is None:
            raise SendError(f"no sender is configured for {claim.channel.value}", code="not_configured")
        return sender.send(claim.outgoing)
    except SendError as error:
        return error
    except Exception as exc:  # a sender bug or network error must not lose the message
        log.exception("message %s: unexpected error from the %s sender", claim.message_id, claim.channel)
        return SendError(f"unexpected {type(exc).__name__} from the sender", code="exception")


def claim_message(
    *, session: Session, message_id: int, now: datetime, policy: RetryPolicy, held: Collection[str] = ()
) -> Claim | None:
    """Take a due message for sending, or None if it is not due, taken, already settled, or on a
    channel ``held`` (its provider is down: `askwhy.outbox.outages`)."""
    message = queries.lock_message(session=session, message_id=message_id, skip_locked=True)
    if message is None or message.direction != "out" or message.next_attempt_at is None:
        return None
    if message.channel in held:
        return None
    if message.next_attempt_at > now or message.status not in ("pending", "sending"):
        return None
    if message.status == "sending":
        # The last attempt's lease ran out with no outcome recorded: did the provider get it?
        if reconcile(session=session, message=message) or message.status != "sending":
            return None
        if now < message.next_attempt_at + timedelta(seconds=policy.grace_seconds):
            return None
    expires = message.payload.get("expires_at")
    if expires and datetime.fromisoformat(str(expires)) < now:
        _fail(
            session=session,
            message=message,
            code="expired",
            reason="the invitation expired before it was sent",
        )
        return None
    message.status = "sending"
    message.attempts += 1
    message.next_attempt_at = now + timedelta(seconds=policy.lease_seconds)
    return Claim(message_id=message.id, channel=Channel(message.channel), outgoing=_outgoing(message))


def _record(
    *, ports: Delivering, outcomes: list[tuple[Claim, Outcome]], then_claim: list[int] | None = None
) -> tuple[list[str], list[Claim]]:
    """Record every outcome of a chunk in one transaction, claiming the messages ``then_claim``
    in the same one, then queue the retries it decided; returns what happened to each message
    (sent, retry, failed, settled) and the claims."""
    now, policy = ports.clock.now(), ports.policy
    sent = [(claim, result) for claim, result in outcomes if isinstance(result, SendResult)]

    def record() -> tuple[list[tuple[str, float | None]], list[Claim]]:
        decided: list[tuple[str, float | None]] = []
        with ports.sessions.begin() as session:
            if sent:
                record_all_sent(session=session, sent=sent, now=now)
            for claim, outcome in outcomes:
                if isinstance(outcome, SendError):
                    decided.append(
                        _after_failure(session=session, claim=claim, error=outcome, policy=policy, now=now)
                    )
                else:
                    decided.append(("sent", None))
            claimed = _claim_in(session=session, ports=ports, message_ids=then_claim) if then_claim else []
        return decided, claimed

    # The messages were sent: their results must be kept, even if PostgreSQL broke a deadlock
    # with a status webhook by aborting this transaction.
    decided, claimed = run_again_if_aborted(record)
    for (claim, outcome), (what, delay) in zip(outcomes, decided, strict=True):
        if delay is not None:
            ports.jobs.enqueue_in(delay, "deliver_message", claim.message_id)
        if isinstance(outcome, SendError):
            log.info("message %s on %s: %s (%s)", claim.message_id, claim.channel.value, what, outcome)
    _tell_outages(ports=ports, outcomes=outcomes, now=now)
    return [what for what, _ in decided], claimed


def _tell_outages(*, ports: Delivering, outcomes: list[tuple[Claim, Outcome]], now: datetime) -> None:
    """A provider that answered any send is up (a refusal is an answer); one that answered none
    and failed some is down (`askwhy.outbox.outages`)."""
    answered = {claim.channel for claim, outcome in outcomes if not _unavailable(outcome)}
    for channel in answered:
        outages.provider_answered(jobs=ports.jobs, sessions=ports.sessions, channel=channel, now=now)
    for channel in {claim.channel for claim, outcome in outcomes if _unavailable(outcome)} - answered:
        outages.provider_failed(jobs=ports.jobs, channel=channel, now=now)


def _unavailable(outcome: Outcome) -> bool:
    return isinstance(outcome, SendError) and outcome.unavailable


def record_all_sent(*, session: Session, sent: list[tuple[Claim, SendResult]], now: datetime) -> None:
    """Store the sends' provider ids and statuses (one statement for all), then apply the status
    events that arrived early (rare: the provider was faster than this), looked for once."""
    record_send_results(session=session, sent=[(claim.message_id, result) for claim, result in sent], now=now)
    early = queries.waiting_events(
        session=session,
        keys=[claim.outgoing.idempotency_key for claim, _ in sent],
        provider_ids=[result.provider_message_id for _, result in sent],
    )
    for claim, result in sent:
        if {claim.outgoing.idempotency_key, result.provider_message_id} & early:
            message = queries.lock_message(session=session, message_id=claim.message_id)
            if message is not None:
                reconcile(session=session, message=message)


def _after_failure(
    *, session: Session, claim: Claim, error: SendError, policy: RetryPolicy, now: datetime
) -> tuple[str, float | None]:
    message = queries.lock_message(session=session, message_id=claim.message_id)
    if message is None or message.status != "sending":
        return "settled", None
    return _decide_retry(session=session, message=message, error=error, policy=policy, now=now)


def _decide_retry(
    *, session: Session, message: Message, error: SendError, policy: RetryPolicy, now: datetime
) -> tuple[str, float | None]:
    message.error_code, message.error_reason = error.code, error.reason
    if error.recipient_opted_out:
        _opt_out_recipient(session=session, message=message, now=now)
    if error.needs_template and "template" not in message.payload:
        if with_template(session=session, message=message):
            return _retry_at(message, now, 0.0), 0.0
        _fail(session=session, message=message, code=error.code, reason=f"{error.reason} (no template)")
        return "failed", None
    if error.permanent or error.needs_template:
        _fail(session=session, message=message, code=error.code, reason=error.reason)
        return "failed", None
    if message.attempts >= policy.max_attempts:
        reason = f"gave up after {message.attempts} attempts: {error.reason}"
        _fail(session=session, message=message, code=error.code, reason=reason)
        return "failed", None
    delay = policy.backoff(message.attempts, error.retry_after_seconds, _rng)
    return _retry_at(message, now, delay), delay


def _retry_at(message: Message, now: datetime, delay: float) -> str:
    message.status = "pending"
    message.next_attempt_at = now + timedelta(seconds=delay)
    return "retry"


def _fail(*, session: Session, message: Message, code: str | None, reason: str) -> None:
    message.status = "failed"
    message.next_attempt_at = None
    message.error_code, message.error_reason = code, reason
    conversation = session.get(Conversation, message.conversation_id)
    if conversation is not None and message.seq == 1 and conversation.status == ConversationStatus.INVITED:
        # The invitation never reached the customer: the conversation cannot happen.
        conversation.status = ConversationStatus.FAILED.value
        conversation.state = {**conversation.state, "status": ConversationStatus.FAILED.value}


def _opt_out_recipient(*, session: Session, message: Message, now: datetime) -> None:
    """The provider refused because the customer opted out with it (replied STOP): so do we."""
    conversation = session.get(Conversation, message.conversation_id)
    contact = (
        session.get(Contact, conversation.contact_id) if conversation and conversation.contact_id else None
    )
    if contact is None and message.to_address and Channel(message.channel) in PHONE_ADDRESSED:
        contact = contact_by_address(session=session, phone=message.to_address)
    if contact is not None:
        consent.opt_out(
            session=session,
            contact=contact,
            channel=message.channel,
            at=now,
            source=f"provider:{message.channel}",
        )


def _outgoing(message: Message | Row[Any]) -> OutgoingMessage:
    template = (message.payload or {}).get("template")
    return OutgoingMessage(
        to=message.to_address or "",
        text=message.text,
        idempotency_key=message.idempotency_key or f"message-{message.id}",
        choices=tuple(Choice(id=str(c["id"]), title=str(c["title"])) for c in message.choices or ()),
        template=Template(
            name=str(template["name"]),
            language=str(template.get("language") or "en"),
            parameters=tuple(str(p) for p in template.get("parameters") or ()),
        )
        if isinstance(template, dict)
        else None,
        conversation_id=message.conversation_id,
    )


def due_messages(*, ports: Delivering, limit: int = 200) -> list[int]:
    """Ids of outbound messages whose send is due or whose lease ran out (a read: no write turn)."""
    with ports.reads.begin() as session:
        return queries.due_message_ids(session=session, now=ports.clock.now(), limit=limit)


def stranded_messages(*, ports: Delivering, limit: int = 200) -> list[int]:
    """Ids of due messages that batch runs leave to `deliver_message`: leases that ran out, and
    messages with an expiry (a read: no write turn)."""
    with ports.reads.begin() as session:
        return queries.stranded_message_ids(session=session, now=ports.clock.now(), limit=limit)


def deliver_due(*, ports: Delivering, limit: int = 200) -> dict[str, int]:
    """Deliver every due message here and now (tests, `askwhy outbox flush`); counts by outcome."""
    outcomes: dict[str, int] = {}
    for message_id in due_messages(ports=ports, limit=limit):
        outcome = deliver_message(ports=ports, message_id=message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
