"""Storing webhook deliveries as messages and statuses, many deliveries to a transaction.

Every provider's delivery takes one path: kept as received in the webhook inbox, parsed once by
its channel's parser (`PARSERS`), stored. Deliveries come either straight from webhook requests
(`store_deliveries`, with an inline queue) or from the inbox (`InboxStorer`). Either way a batch
shares one transaction; should it fail on something other than the database being unavailable,
it is stored again with each message and status in a savepoint of its own, so that a bad item
fails alone and never takes a good one with it. What cannot be stored after
`Settings.inbox_max_attempts` tries, and what a parser refused, goes to the dead-letter list
(`askwhy.store.dead_letters`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs

from sqlalchemy.orm import Session, sessionmaker

from askwhy.channels import twilio_sms
from askwhy.channels.adapter import Webhook
from askwhy.channels.base import RejectedItem, WebhookEvent
from askwhy.channels.twilio_signature import FormParams
from askwhy.channels.whatsapp import webhook as whatsapp
from askwhy.clock import Clock
from askwhy.conversations import inbound, sms_keywords
from askwhy.domain.guide import Guide
from askwhy.queue.jobs import Jobs
from askwhy.store.database import run_again_if_aborted, waited_past_lock_timeout
from askwhy.store.dead_letters import add_dead_letter, as_delivery, dead_letter, drop_dead_letter, reason_of
from askwhy.store.inbox import UNAVAILABLE, Delivery, Inbox, Kept, retry_delay

log = logging.getLogger(__name__)

BATCH = 128
"""Deliveries stored in one transaction at most."""
SHARED_BATCH = 16
"""Deliveries stored in one transaction at most when the inbox is a table of the database
(PostgreSQL): the transaction holds the row locks of every conversation and message it touches,
which the workers' turns and sends wait for, so it is kept short."""
STORE_KEPT = "store_kept_deliveries"
"""The queue task that stores what the webhook inbox keeps (nudged after each keep)."""
HELD_RETRY_SECONDS = 1.0
"""When storing runs again after a conversation's lock was held past the lock timeout (PostgreSQL)."""


@dataclass(frozen=True)
class Parsed:
    """What a delivery holds: its events, the items its parser refused, and for an SMS the
    keyword the provider already answered."""

    events: list[WebhookEvent]
    refused: list[RejectedItem] = field(default_factory=list)
    keyword: twilio_sms.CarrierKeyword | None = None


Parser = Callable[[Delivery], Parsed]
"""A channel's parser of a delivery as kept (raises its channel's malformed error)."""


def _whatsapp(delivery: Delivery) -> Parsed:
    read = whatsapp.read_kept(delivery.body, delivery.received_at)
    return Parsed(events=read.events, refused=read.rejected)


def _twilio_sms(delivery: Delivery) -> Parsed:
    params = FormParams.parse(delivery.body)
    event = twilio_sms.parse_message(params, now=delivery.received_at)
    return Parsed(events=[event], keyword=twilio_sms.carrier_keyword(params))


def _twilio_status(delivery: Delivery) -> Parsed:
    key = parse_qs(delivery.query).get(twilio_sms.KEY_PARAM, [None])[0]
    params = FormParams.parse(delivery.body)
    return Parsed(events=[twilio_sms.parse_status(params, now=delivery.received_at, idempotency_key=key)])


PARSERS: dict[str, Parser] = {
    "whatsapp": _whatsapp,
    "twilio_sms": _twilio_sms,
    "twilio_status": _twilio_status,
}
"""Each inbox channel's parser."""


class Unreadable(ValueError):
    """A delivery of a channel added at start-up that its webhook's reader refused as a whole."""


MALFORMED = (whatsapp.MalformedDelivery, twilio_sms.MalformedWebhook, Unreadable)
"""What a parser raises for a body that is not its channel's delivery: a 400 to the provider."""


def parser_of(webhook: Webhook) -> Parser:
    """The inbox parser of an added channel's webhook (`askwhy.channels.adapter`)."""

    def parse_added(delivery: Delivery) -> Parsed:
        try:
            read = webhook.read(delivery.body, delivery.received_at)
        except webhook.malformed as exc:
            raise Unreadable(str(exc)) from None
        return Parsed(events=read.events, refused=read.rejected)

    return parse_added


def parse(delivery: Delivery, *, parsers: Mapping[str, Parser] = PARSERS) -> Parsed:
    """The delivery parsed by its channel's parser (`PARSERS`, or those given)."""
    return parsers[delivery.channel](delivery)


def events_of(delivery: Delivery, *, parsers: Mapping[str, Parser] = PARSERS) -> list[WebhookEvent]:
    """The events of a kept delivery (for erasure: whom it is about)."""
    return parse(delivery, parsers=parsers).events


@dataclass(frozen=True)
class Storing:
    """What storing deliveries uses; the composition root builds it for the queue, the storer
    process and the webhook intake."""

    sessions: sessionmaker[Session]
    jobs: Jobs
    """Nudged to answer the messages stored."""
    guides: Mapping[str, Guide]
    """For the SMS keywords that start a conversation."""
    clock: Clock
    max_attempts: int
    """Tries of a kept delivery before it goes to the dead-letter list (`Settings.inbox_max_attempts`)."""
    parsers: Mapping[str, Parser] = field(default_factory=lambda: dict(PARSERS))
    """Each inbox channel's parser: the built-in ones and those of channels added at start-up."""


@dataclass(frozen=True)
class _Result:
    """How storing one delivery went."""

    accepted: inbound.Accepted | None = None
    error: str | None = None
    """Why the delivery failed as a whole (unreadable, or its storing failed)."""

    def problems(self, parsed: Parsed | None) -> tuple[list[str], list[str]]:
        """The failed items' provider ids and the reasons, parser refusals included."""
        items: list[str] = []
        reasons: list[str] = [] if self.error is None else [self.error]
        for failed in self.accepted.failed if self.accepted else []:
            items.append(failed.provider_message_id)
            reasons.append(f"{failed.provider_message_id}: {failed.reason}")
        for refused in parsed.refused if parsed else []:
            items.append(refused.provider_message_id or "?")
            reasons.append(refused.reason)
        return items, reasons

    @property
    def retryable(self) -> bool:
        """A failure that another try may not repeat (not a parser's refusal)."""
        return self.error is not None or bool(self.accepted and self.accepted.failed)


def _store(
    storing: Storing,
    session: Session,
    batch: Sequence[tuple[Delivery, Parsed | Exception]],
    one_by_one: bool,
) -> list[_Result]:
    """Store each parsed delivery in ``session``; with ``one_by_one`` each in a savepoint, and each
    of its items in one of its own."""
    results = []
    for delivery, parsed in batch:
        if isinstance(parsed, Exception):
            results.append(_Result(error=reason_of(parsed)))
        elif not one_by_one:
            results.append(_Result(accepted=_accept(storing, session, delivery, parsed, one_by_one=False)))
        else:
            try:
                with session.begin_nested():
                    accepted = _accept(storing, session, delivery, parsed, one_by_one=True)
                results.append(_Result(accepted=accepted))
            except UNAVAILABLE:
                raise
            except Exception as exc:
                log.debug("webhook delivery (%s) failed to store", delivery.channel, exc_info=exc)
                results.append(_Result(error=reason_of(exc)))
    return results


def _accept(
    storing: Storing, session: Session, delivery: Delivery, parsed: Parsed, *, one_by_one: bool
) -> inbound.Accepted:
    if parsed.keyword is not None:
        return sms_keywords.accept_sms(
            session=session,
            jobs=storing.jobs,
            guides=storing.guides,
            events=parsed.events,
            keyword=parsed.keyword,
            now=delivery.received_at,
            one_by_one=one_by_one,
        )
    return inbound.accept_events(
        session=session,
        jobs=storing.jobs,
        events=parsed.events,
        now=delivery.received_at,
        one_by_one=one_by_one,
    )


def _together_then_one_by_one(work: Callable[[bool], list[_Result]], what: str) -> list[_Result]:
    """``work`` for the whole batch in one go; should that fail, again one item at a time."""
    try:
        return run_again_if_aborted(lambda: work(False))
    except UNAVAILABLE:
        raise  # the database is unavailable: no delivery is to blame
    except Exception as exc:
        # What failed is logged once it is known (`_log_failed`); this is how it was found.
        log.info(
            "a batch of %s failed (%s); storing each message and status on its own", what, reason_of(exc)
        )
        log.debug("the batch failed", exc_info=exc)
    return run_again_if_aborted(lambda: work(True))


def store_deliveries(*, storing: Storing, batch: Sequence[tuple[Delivery, Parsed]]) -> list[inbound.Accepted]:
    """Store deliveries received now, with no inbox to try again from (an inline queue): what
    fails goes to the dead-letter list at once; one result each."""

    def work(one_by_one: bool) -> list[_Result]:
        with storing.sessions.begin() as session:
            results = _store(storing, session, batch, one_by_one)
            for (delivery, parsed), result in zip(batch, results, strict=True):
                items, reasons = result.problems(parsed)
                if reasons:
                    _log_failed(delivery.channel, None, reasons, attempt=1, again=False)
                    add_dead_letter(
                        session=session,
                        delivery=delivery,
                        items=items if result.error is None else (),
                        reason="; ".join(reasons),
                        attempts=1,
                        last_seen=delivery.received_at,
                    )
            return results

    results = _together_then_one_by_one(work, "webhook deliveries")
    return [result.accepted or inbound.Accepted() for result in results]


class InboxStorer:
    """Takes the deliveries the inbox kept, oldest first, and stores them.

    On PostgreSQL taking them out and storing them is one transaction. On SQLite the inbox is a
    file of its own, so they are removed from it once stored: a crash in between stores them
    again, which is safe: a message is stored once, and a status recorded twice adds a second copy
    of its event, as a provider's own retry does, and changes nothing else.
    A delivery that fails to store (or some of whose items do) stays in the inbox and is tried
    again later, less often each time (`askwhy.store.inbox.retry_delay`), then, after
    ``max_attempts`` tries, goes to the dead-letter list with what it failed on.
    """

    def __init__(
        self,
        *,
        storing: Storing,
        inbox: Inbox,
        parsers: Mapping[str, Parser] | None = None,
        batch: int = BATCH,
    ) -> None:
        self._storing, self.inbox = storing, inbox
        self._parsers = {**storing.parsers, **(parsers or {})}
        self.batch = batch
        self.max_attempts = storing.max_attempts

    def store_due(self, *, wait: bool = True) -> int:
        """Store up to a batch of due deliveries; returns how many were taken (none, without
        ``wait``, while another storer is at work on an inbox file)."""
        with self.inbox.storing(wait=wait) as ours:
            if not ours:
                return 0
            now = self._storing.clock.now()
            taken: list[Kept] = []
            _together_then_one_by_one(
                lambda one_by_one: self._store_due(taken, now, one_by_one), "kept deliveries"
            )
            return len(taken)

    def _store_due(self, taken: list[Kept], now: datetime, one_by_one: bool) -> list[_Result]:
        taken.clear()
        inbox, sessions = self.inbox, self._storing.sessions
        if inbox.shares_database:
            with sessions.begin() as session:
                taken += inbox.take(session=session, now=now, limit=self.batch)
                batch = self._parsed(taken)
                results = _store(self._storing, session, batch, one_by_one)
                leaving, staying = self._settle(session, batch, results, now)
                inbox.remove(session=session, ids=leaving)
                self._retry_later(session, staying, now)
            return results
        with inbox.reads() as inbox_session:
            taken += inbox.take(session=inbox_session, now=now, limit=self.batch)
        if not taken:
            return []
        batch = self._parsed(taken)  # before the write turn is taken, not while it is held
        with sessions.begin() as session:
            results = _store(self._storing, session, batch, one_by_one)
            leaving, staying = self._settle(session, batch, results, now)
        with inbox.sessions.begin() as inbox_session:
            inbox.remove(session=inbox_session, ids=leaving)
            self._retry_later(inbox_session, staying, now)
        inbox.checkpoint_now_and_then(len(leaving))
        return results

    def _parsed(self, taken: list[Kept]) -> list[tuple[Delivery, Parsed | Exception]]:
        batch: list[tuple[Delivery, Parsed | Exception]] = []
        for kept in taken:
            try:
                batch.append((kept, self._parsers[kept.channel](kept)))
            except Exception as exc:  # unreadable: tried again, then dead-lettered
                batch.append((kept, exc))
        return batch

    def _settle(
        self,
        session: Session,
        batch: list[tuple[Delivery, Parsed | Exception]],
        results: list[_Result],
        now: datetime,
    ) -> tuple[list[int], list[tuple[Kept, str]]]:
        """Which deliveries leave the inbox (stored, or dead-lettered in ``session``) and which stay
        to be tried again, with why."""
        leaving: list[int] = []
        staying: list[tuple[Kept, str]] = []
        for (delivery, parsed), result in zip(batch, results, strict=True):
            assert isinstance(delivery, Kept)
            items, reasons = result.problems(parsed if isinstance(parsed, Parsed) else None)
            attempt = delivery.attempts + 1
            again = result.retryable and attempt < self.max_attempts
            if reasons:
                _log_failed(delivery.channel, delivery.id, reasons, attempt=attempt, again=again)
            if again:
                staying.append((delivery, "; ".join(reasons)))
                continue
            if reasons:
                add_dead_letter(
                    session=session,
                    delivery=delivery,
                    items=items if result.error is None else (),
                    reason="; ".join(reasons),
                    attempts=attempt,
                    last_seen=now,
                )
            leaving.append(delivery.id)
        return leaving, staying

    def _retry_later(self, session: Session, staying: list[tuple[Kept, str]], now: datetime) -> None:
        for kept, reason in staying:
            at = now + retry_delay(kept.attempts + 1)
            self.inbox.retry_later(session=session, kept=kept, error=reason, at=at)


def _log_failed(channel: str, kept_id: int | None, reasons: list[str], *, attempt: int, again: bool) -> None:
    """One line per failed try, no traceback (that is logged at DEBUG where it happened)."""
    log.warning(
        "webhook delivery %s (%s) not stored, try %d, %s: %s",
        kept_id if kept_id is not None else "received now",
        channel,
        attempt,
        "to be tried again" if again else "set aside as a dead letter",
        "; ".join(reasons),
    )


def retry_dead_letter(*, storing: Storing, inbox: Inbox, letter_id: int) -> bool:
    """Put a dead letter back in the webhook inbox, as received and with a fresh count of tries,
    and store what is due now; False if there is no dead letter with that id."""
    with storing.sessions.begin() as session:
        letter = dead_letter(session=session, letter_id=letter_id)
        if letter is None:
            return False
        inbox.put([as_delivery(letter)])
        drop_dead_letter(session=session, letter_id=letter_id)
    store_kept(storing=storing, inbox=inbox)
    return True


def store_kept(*, storing: Storing, inbox: Inbox, wait: bool = True) -> int:
    """Store every delivery the webhook inbox keeps that is due, batch after batch, up to
    `Jobs.drain`'s limit (then another run is nudged); returns how many were taken. Without
    ``wait``, nothing is done while another storer is at work on an inbox file."""
    storer = InboxStorer(storing=storing, inbox=inbox, batch=SHARED_BATCH if inbox.shares_database else BATCH)
    try:
        return storing.jobs.drain(STORE_KEPT, lambda: storer.store_due(wait=wait), full=storer.batch)
    except UNAVAILABLE as exc:
        if not waited_past_lock_timeout(exc):
            raise
    # Another transaction (a turn, another storer) held a conversation past the lock timeout on a
    # busy machine: the batch rolled back and stays kept, and is stored in a moment. Not an error,
    # and not left to the task's own retries, which Huey logs as an unhandled exception.
    log.warning(
        "storing kept webhook deliveries waited past the lock timeout for a conversation; "
        "they stay kept and are stored again in %.0f s",
        HELD_RETRY_SECONDS,
    )
    storing.jobs.enqueue_in(HELD_RETRY_SECONDS, STORE_KEPT)
    return 0
