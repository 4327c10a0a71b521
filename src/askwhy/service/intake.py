"""Webhook intake: what a provider's delivery goes through before its 200.

A provider's 200 must mean "kept". With a queue worked in the background (`askwhy serve`), a
delivery is kept in the webhook inbox (`askwhy.store.inbox`) and answered at once, and a task on
the server's event loop stores what the inbox holds as messages and statuses, in batches
(`askwhy.webhook_storing.InboxStorer`): a delivery then never waits for the database's writers,
on SQLite the interviewer's turns and the outbox, which hold the single write turn for tens of
milliseconds at a time. With the queue inline (tests, demos), where everything happens within the
request, a delivery is stored at once instead.

Either way the deliveries that arrive while one batch is written share the next transaction
(`GroupCommit`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from askwhy import inbound
from askwhy.channels.base import WebhookEvent
from askwhy.service.group_commit import GroupCommit
from askwhy.store.inbox import Delivery, Inbox, open_inbox
from askwhy.webhook_storing import BATCH, InboxStorer, Parsed, Parser, store_deliveries

if TYPE_CHECKING:
    from askwhy.bootstrap import Container

log = logging.getLogger(__name__)

RETRY_CHECK_SECONDS = 1.0
"""How often the inbox is looked at when no delivery arrives: for retries come due, and for
deliveries kept while the database was unavailable."""


class WebhookIntake:
    """Keeps or stores verified webhook deliveries, many to a transaction; one per app."""

    def __init__(self, container: Container, *, inbox: Inbox | None, parsers: Mapping[str, Parser]) -> None:
        self._container = container
        self._direct: GroupCommit[Parsed, inbound.Accepted] = GroupCommit(self._store, max_batch=BATCH)
        self._kept: GroupCommit[Delivery, int] | None = None
        self._storer: InboxStorer | None = None
        self._wake: asyncio.Event | None = None
        if inbox is not None:
            self._kept = GroupCommit(inbox.put, max_batch=BATCH)
            self._storer = InboxStorer(container=container, inbox=inbox, parsers=parsers)

    @classmethod
    def for_container(cls, container: Container, *, parsers: Mapping[str, Parser]) -> WebhookIntake:
        """With an inbox, unless the queue runs inline (then everything happens in the request)."""
        inbox = None if container.settings.queue_inline else open_inbox(container.engine)
        return cls(container, inbox=inbox, parsers=parsers)

    async def receive(
        self, *, channel: str, body: bytes, events: list[WebhookEvent], received_at: datetime
    ) -> None:
        """Keep (or store) one verified delivery, parsed into ``events``; returns once committed."""
        if self._kept is None:
            await self._direct.submit((events, received_at))
            return
        await self._kept.submit(Delivery(channel=channel, body=body, received_at=received_at))
        if self._wake is not None:
            self._wake.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Store what the inbox holds while the app runs (what an earlier run left, first)."""
        if self._storer is None:
            yield
            return
        self._wake = asyncio.Event()
        storing = asyncio.create_task(self._store_kept(self._storer, self._wake))
        try:
            yield
        finally:
            storing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await storing

    async def _store_kept(self, storer: InboxStorer, wake: asyncio.Event) -> None:
        while True:
            wake.clear()
            try:
                while await run_in_threadpool(storer.store_due) == storer.batch:
                    pass
            except Exception:
                log.exception("the webhook inbox could not be stored; trying again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=RETRY_CHECK_SECONDS)

    def _store(self, batch: list[Parsed]) -> list[inbound.Accepted | Exception]:
        return store_deliveries(container=self._container, batch=batch)
