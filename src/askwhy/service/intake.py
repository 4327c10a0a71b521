"""Group commit for webhook deliveries: the deliveries that arrive while one batch is being stored
are stored together in the next transaction.

A provider's 200 must mean "stored", so each delivery waits for the commit that holds it. Under
load most of a webhook's cost is its transaction (taking the write turn, beginning, committing,
the pool), not its few statements; sharing one transaction among the deliveries that queued
meanwhile cuts that cost, and on SQLite the time the single write turn is held, without delaying
anyone: a lone delivery is stored at once, in a batch of one.

Should a batch fail on something other than the database being unavailable, each of its
deliveries is stored again on its own, so one bad delivery fails alone.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from askwhy import inbound
from askwhy.channels.base import WebhookEvent
from askwhy.store.database import run_again_if_aborted

if TYPE_CHECKING:
    from askwhy.bootstrap import Container

log = logging.getLogger(__name__)

MAX_BATCH = 128
"""Deliveries stored in one transaction at most."""


@dataclass(frozen=True)
class _Delivery:
    events: list[WebhookEvent]
    received_at: datetime
    stored: asyncio.Future[inbound.Accepted]


class WebhookIntake:
    """Stores verified webhook deliveries, many to a transaction; one per app, on its event loop."""

    def __init__(self, container: Container, *, max_batch: int = MAX_BATCH) -> None:
        self._container = container
        self._max_batch = max_batch
        self._waiting: list[_Delivery] = []
        self._storing: asyncio.Task[None] | None = None

    async def store(self, events: list[WebhookEvent], *, received_at: datetime) -> inbound.Accepted:
        """Store one delivery's events; returns once they are committed (or raises why not)."""
        stored: asyncio.Future[inbound.Accepted] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Delivery(events=events, received_at=received_at, stored=stored))
        if self._storing is None or self._storing.done():
            self._storing = asyncio.create_task(self._store_waiting())
        return await stored

    async def _store_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
            try:
                outcomes = await run_in_threadpool(self._store_batch, batch)
            except asyncio.CancelledError:
                for delivery in batch + self._waiting:
                    delivery.stored.cancel()
                raise
            except Exception as exc:  # handed to every request of the batch, which answers for it
                outcomes = [exc] * len(batch)
            for delivery, outcome in zip(batch, outcomes, strict=True):
                if delivery.stored.done():
                    continue  # its request went away; the delivery is stored all the same
                if isinstance(outcome, Exception):
                    delivery.stored.set_exception(outcome)
                else:
                    delivery.stored.set_result(outcome)

    def _store_batch(self, batch: list[_Delivery]) -> list[inbound.Accepted | Exception]:
        def store() -> list[inbound.Accepted | Exception]:
            with self._container.sessions.begin() as session:
                return [self._accept(session, delivery) for delivery in batch]

        try:
            return run_again_if_aborted(store)  # a deadlock with a worker is not an outage
        except OperationalError:
            raise  # the database is unavailable: every delivery gets 503, the provider retries
        except Exception:
            if len(batch) == 1:
                raise
            log.warning("a batch of %d webhook deliveries failed; storing them one by one", len(batch))
        return [self._store_alone(delivery) for delivery in batch]

    def _store_alone(self, delivery: _Delivery) -> inbound.Accepted | Exception:
        try:
            with self._container.sessions.begin() as session:
                return self._accept(session, delivery)
        except Exception as exc:
            return exc

    def _accept(self, session: Session, delivery: _Delivery) -> inbound.Accepted:
        return inbound.accept_events(
            session=session,
            jobs=self._container.jobs,
            events=delivery.events,
            now=delivery.received_at,
        )
