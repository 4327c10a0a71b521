"""Storing webhook deliveries as messages and statuses, many deliveries to a transaction.

Deliveries come either straight from webhook requests (`store_deliveries`) or from the webhook
inbox that kept them as they arrived (`InboxStorer`). Either way a batch shares one transaction,
and should it fail on something other than the database being unavailable, its deliveries are
stored again one by one, so that one bad delivery fails alone.
"""

from __future__ import annotations

import functools
import importlib
import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from askwhy.channels.base import WebhookEvent
from askwhy.conversations import inbound
from askwhy.store.database import run_again_if_aborted
from askwhy.store.inbox import Inbox, Kept, retry_delay

if TYPE_CHECKING:
    from askwhy.bootstrap import Container

log = logging.getLogger(__name__)

BATCH = 128
"""Deliveries stored in one transaction at most."""
SHARED_BATCH = 16
"""Deliveries stored in one transaction at most when the inbox is a table of the database
(PostgreSQL): the transaction holds the row locks of every conversation and message it touches,
which the workers' turns and sends wait for, so it is kept short."""
STORE_KEPT = "store_kept_deliveries"
"""The queue task that stores what the webhook inbox keeps (nudged after each keep)."""
PARSERS = {"whatsapp": "askwhy.channels.whatsapp.webhook:parse_kept"}
"""Each channel's parser of a kept delivery (``module:function``), imported when first needed."""

UNAVAILABLE = (OperationalError, sqlite3.OperationalError)
"""The database busy or gone (a write turn not had in time comes as sqlite3's own error): no
delivery is to blame, so none is marked failed; they stay kept and are tried again."""

Parsed = tuple[list[WebhookEvent], datetime]
"""A delivery's events, and when it was received."""
Parser = Callable[[bytes, datetime], list[WebhookEvent]]
"""A channel's parser of a delivery's raw bytes (given when it was received)."""


def store_deliveries(*, container: Container, batch: Sequence[Parsed]) -> list[inbound.Accepted | Exception]:
    """Store the deliveries in one transaction (one by one should that fail); one outcome each."""
    try:
        return list(run_again_if_aborted(lambda: _store_together(container, batch)))
    except UNAVAILABLE:
        raise  # the database is unavailable: every delivery fails, its sender retries
    except Exception:
        if len(batch) == 1:
            raise
        log.warning("a batch of %d webhook deliveries failed; storing them one by one", len(batch))
    return [_store_alone(container, delivery) for delivery in batch]


def _store_together(container: Container, batch: Sequence[Parsed]) -> list[inbound.Accepted]:
    with container.sessions.begin() as session:
        return _accept(container, session, batch)


def _store_alone(container: Container, delivery: Parsed) -> inbound.Accepted | Exception:
    try:
        return _store_together(container, [delivery])[0]
    except Exception as exc:
        return exc


def _accept(container: Container, session: Session, batch: Sequence[Parsed]) -> list[inbound.Accepted]:
    return [
        inbound.accept_events(session=session, jobs=container.jobs, events=events, now=received_at)
        for events, received_at in batch
    ]


class InboxStorer:
    """Takes the deliveries the inbox kept, oldest first, and stores them.

    On PostgreSQL taking them out and storing them is one transaction. On SQLite the inbox is a
    file of its own, so they are removed from it once stored: a crash in between stores them
    again, which is safe: a message is stored once, and a status recorded twice adds a second copy
    of its event, as a provider's own retry does, and changes nothing else.
    A delivery that fails to store stays in the inbox and is tried again later, less often each
    time (`askwhy.store.inbox.retry_delay`).
    """

    def __init__(
        self,
        *,
        container: Container,
        inbox: Inbox,
        parsers: Mapping[str, Parser] | None = None,
        batch: int = BATCH,
    ) -> None:
        self._container, self.inbox = container, inbox
        self._parsers = dict(parsers) if parsers is not None else {}
        self.batch = batch

    def store_due(self, *, wait: bool = True) -> int:
        """Store up to a batch of due deliveries; returns how many were taken (none, without
        ``wait``, while another storer is at work on an inbox file)."""
        with self.inbox.storing(wait=wait) as ours:
            return self._store_due() if ours else 0

    def _store_due(self) -> int:
        now = self._container.clock.now()
        taken: list[Kept] = []
        try:
            run_again_if_aborted(lambda: self._store(taken, now=now, limit=self.batch))
        except UNAVAILABLE:
            raise  # the database is unavailable: the deliveries stay in the inbox
        except Exception as exc:
            if not taken:
                raise
            if len(taken) == 1:
                self._failed(taken[0], exc, now=now)
                return 1
            log.warning("a batch of %d kept webhook deliveries failed; storing them one by one", len(taken))
            for kept in list(taken):
                self._store_alone(kept, now=now)
        return len(taken)

    def _store(self, taken: list[Kept], *, now: datetime, limit: int, only: int | None = None) -> None:
        taken.clear()
        inbox = self.inbox
        if inbox.shares_database:
            with self._container.sessions.begin() as session:
                taken += inbox.take(session=session, now=now, limit=limit, only=only)
                _accept(self._container, session, self._parsed(taken))
                inbox.remove(session=session, ids=[kept.id for kept in taken])
            return
        with inbox.reads() as inbox_session:
            taken += inbox.take(session=inbox_session, now=now, limit=limit, only=only)
        if not taken:
            return
        parsed = self._parsed(taken)  # before the write turn is taken, not while it is held
        with self._container.sessions.begin() as session:
            _accept(self._container, session, parsed)
        with inbox.sessions.begin() as inbox_session:
            inbox.remove(session=inbox_session, ids=[kept.id for kept in taken])
        inbox.checkpoint_now_and_then(len(taken))

    def _store_alone(self, kept: Kept, *, now: datetime) -> None:
        try:
            run_again_if_aborted(lambda: self._store([], now=now, limit=1, only=kept.id))
        except UNAVAILABLE:
            raise
        except Exception as exc:
            self._failed(kept, exc, now=now)

    def _failed(self, kept: Kept, error: Exception, *, now: datetime) -> None:
        """Keep a delivery that failed to store on its own, to be tried again later."""
        log.error(
            "webhook delivery %s (%s) could not be stored; it is kept and tried again later",
            kept.id,
            kept.channel,
            exc_info=error,
        )
        sessions = self._container.sessions if self.inbox.shares_database else self.inbox.sessions
        with sessions.begin() as session:
            self.inbox.retry_later(
                session=session, kept=kept, error=repr(error), at=now + retry_delay(kept.attempts + 1)
            )

    def _parsed(self, taken: list[Kept]) -> list[Parsed]:
        return [(self._parser(kept.channel)(kept.body, kept.received_at), kept.received_at) for kept in taken]

    def _parser(self, channel: str) -> Parser:
        return self._parsers.get(channel) or parser_for(channel)


@functools.cache
def parser_for(channel: str) -> Parser:
    """The channel's parser of a kept delivery (`PARSERS`)."""
    module, _, function = PARSERS[channel].partition(":")
    parser: Parser = getattr(importlib.import_module(module), function)
    return parser


def store_kept(*, container: Container, wait: bool = True) -> int:
    """Store every delivery the webhook inbox keeps that is due, batch after batch, up to
    `Jobs.drain`'s limit (then another run is nudged); returns how many were taken. Without
    ``wait``, nothing is done while another storer is at work on an inbox file."""
    inbox = container.inbox
    storer = InboxStorer(
        container=container, inbox=inbox, batch=SHARED_BATCH if inbox.shares_database else BATCH
    )
    return container.jobs.drain(STORE_KEPT, lambda: storer.store_due(wait=wait), full=storer.batch)
