"""Webhook intake: what a provider's delivery goes through before its answer.

Every provider takes the same path: a verified delivery is parsed once to check it
(`askwhy.conversations.webhook_storing.PARSERS`), then kept. A provider's 200 must mean "kept".
With a queue worked in the background (`askwhy serve`), a delivery is kept in the webhook inbox
(`askwhy.store.inbox`) and answered at once; a queue task (`STORE_KEPT`), or on SQLite a process
of its own (`askwhy.cli.inbox_storer`), then stores what the inbox holds as messages and
statuses, in batches. With the queue inline (tests, demos), a delivery is stored at once instead.
Either way the deliveries that arrive while one batch is written share the next transaction
(`GroupCommit`).

The server never waits on a lock: the inbox file is written on the event loop without waiting
(a locked file is tried again a moment later, `group_commit.Busy`), other writes on a thread, and
a delivery not kept within `Settings.request_lock_wait_seconds` gets 503 with Retry-After (its
provider retries; one kept meanwhile all the same is stored once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from fastapi import HTTPException, status

from askwhy.conversations import inbound
from askwhy.conversations.webhook_storing import (
    BATCH,
    MALFORMED,
    STORE_KEPT,
    Parsed,
    parse,
    store_deliveries,
)
from askwhy.service.group_commit import Busy, GroupCommit
from askwhy.store.database import lock_waits_at_most
from askwhy.store.dead_letters import reason_of
from askwhy.store.inbox import UNAVAILABLE, Delivery

if TYPE_CHECKING:
    from askwhy.bootstrap import Container

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
"""What a provider is told to wait before retrying a delivery that could not be kept in time."""


class WebhookIntake:
    """Keeps (or stores) verified webhook deliveries, many to a transaction; one per app."""

    def __init__(self, container: Container, *, nudge_queue: bool = True) -> None:
        self._container = container
        self._inline = container.settings.queue_inline
        self._wait = container.settings.request_lock_wait_seconds
        self._parsers = container.storing.parsers
        self._nudge_queue = nudge_queue
        """False when a process of its own stores what is kept (`askwhy.cli.inbox_storer`)."""
        self._direct: GroupCommit[tuple[Delivery, Parsed], inbound.Accepted] = GroupCommit(
            self._store, max_batch=BATCH
        )
        # A file of its own is written on the event loop: a batch takes about a millisecond, less
        # than handing it to a thread, whose every step then waits for the interpreter behind
        # the requests (webhooks waited 100 ms and more so in the WhatsApp benchmark).
        self._inbox = None if self._inline else container.inbox
        self._on_loop = self._inbox is not None and self._inbox.path is not None
        self._kept: GroupCommit[Delivery, bool] = GroupCommit(
            self._keep, max_batch=BATCH, on_loop=self._on_loop
        )

    def parsed(self, delivery: Delivery) -> Parsed:
        """The delivery parsed by its channel's parser; a body that is not one is a 400."""
        try:
            return parse(delivery, parsers=self._parsers)
        except MALFORMED as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None

    async def receive(self, delivery: Delivery, parsed: Parsed) -> None:
        """Keep (or store) one verified delivery; returns once committed, or answers 503 in time."""
        try:
            if self._inline:  # stored, and the queue's work done, in the request: no deadline but the locks'
                await self._direct.submit((delivery, parsed))
                return
            async with asyncio.timeout(self._wait):
                await self._kept.submit(delivery)
        except (TimeoutError, Busy, *UNAVAILABLE):
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "the delivery could not be kept in time; retry later",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from None

    def _keep(self, batch: list[Delivery]) -> Sequence[bool]:
        assert self._inbox is not None, "deliveries are kept only with a background queue"
        try:
            with lock_waits_at_most(0 if self._on_loop else self._wait):
                kept = self._inbox.put(batch)
        except UNAVAILABLE as exc:
            if self._on_loop:
                raise Busy("the inbox file is locked") from exc
            raise
        if self._nudge_queue and self._on_loop:  # the queue's storage may be a file to wait for too
            asyncio.get_running_loop().run_in_executor(None, self._nudge)
        elif self._nudge_queue:
            self._nudge()
        return kept

    def _nudge(self) -> None:
        try:
            self._container.jobs.nudge(STORE_KEPT)
        except Exception as exc:  # what is kept stays kept: the minute sweep stores it
            log.warning("the queue could not be nudged to store the webhook inbox (%s)", reason_of(exc))

    def _store(self, batch: list[tuple[Delivery, Parsed]]) -> list[inbound.Accepted]:
        with lock_waits_at_most(self._wait):
            return store_deliveries(storing=self._container.storing, batch=batch)
