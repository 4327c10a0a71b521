"""Webhook intake: what a provider's delivery goes through before its 200.

A provider's 200 must mean "kept". With a queue worked in the background (`askwhy serve`), a
delivery is kept in the webhook inbox (`askwhy.store.inbox`) and answered at once; a queue task
(`STORE_KEPT`), or on SQLite a process of its own (`askwhy.cli.inbox_storer`), then stores what
the inbox holds as messages and statuses, in batches. A delivery thus never waits for the
database's writers (on SQLite, the interviewer's turns and the outbox, which hold the single
write turn for tens of milliseconds at a time), and the web process does no more than keep it.
With the queue inline (tests, demos), where everything happens within the request, a delivery
is stored at once instead.

Either way the deliveries that arrive while one batch is written share the next transaction
(`GroupCommit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from askwhy.channels.base import WebhookEvent
from askwhy.conversations import inbound
from askwhy.conversations.webhook_storing import BATCH, STORE_KEPT, Parsed, store_deliveries
from askwhy.service.group_commit import GroupCommit
from askwhy.store.inbox import Delivery

if TYPE_CHECKING:
    from askwhy.bootstrap import Container


class WebhookIntake:
    """Keeps (or stores) verified webhook deliveries, many to a transaction; one per app."""

    def __init__(self, container: Container, *, nudge_queue: bool = True) -> None:
        self._container = container
        self._inline = container.settings.queue_inline
        self._nudge_queue = nudge_queue
        """False when a process of its own stores what is kept (`askwhy.cli.inbox_storer`)."""
        self._direct: GroupCommit[Parsed, inbound.Accepted] = GroupCommit(self._store, max_batch=BATCH)
        # A file of its own is written on the event loop: a batch takes about a millisecond, less
        # than handing it to a thread, whose every step then waits for the interpreter behind
        # the requests (webhooks waited 100 ms and more so in the WhatsApp benchmark).
        self._inbox = None if self._inline else container.inbox
        in_a_file = self._inbox is not None and self._inbox.path is not None
        self._kept: GroupCommit[Delivery, bool] = GroupCommit(self._keep, max_batch=BATCH, on_loop=in_a_file)

    async def receive(
        self, *, channel: str, body: bytes, events: list[WebhookEvent], received_at: datetime
    ) -> None:
        """Keep (or store) one verified delivery, parsed into ``events``; returns once committed."""
        if self._inline:
            await self._direct.submit((events, received_at))
        else:
            await self._kept.submit(Delivery(channel=channel, body=body, received_at=received_at))

    def _keep(self, batch: list[Delivery]) -> Sequence[bool]:
        assert self._inbox is not None, "deliveries are kept only with a background queue"
        kept = self._inbox.put(batch)
        if self._nudge_queue:
            self._container.jobs.nudge(STORE_KEPT)
        return kept

    def _store(self, batch: list[Parsed]) -> list[inbound.Accepted | Exception]:
        return store_deliveries(container=self._container, batch=batch)
