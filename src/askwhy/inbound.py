"""Customer messages arriving through provider webhooks: stored once, then answered in order.

A webhook route verifies the provider's signature, parses the body into `WebhookEvent`s with the
channel module, and calls `accept_events` inside one transaction; it answers 200 as soon as that
commits. The interviewer's turn happens afterwards on the queue (`process_inbound`), so a slow
turn never makes a provider retry, and a provider's retry never produces a second reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.channels.base import WebhookEvent
from askwhy.jobs import Jobs


@dataclass(frozen=True)
class Accepted:
    """What `accept_events` stored."""

    new_messages: list[int] = field(default_factory=list)
    """Ids of inbound messages stored now, to be processed on the queue (`process_inbound`)."""
    duplicates: int = 0
    """Events whose provider message id was already stored (provider retries): ignored."""
    statuses: int = 0
    """Delivery status events recorded."""


def accept_events(
    *, session: Session, jobs: Jobs, events: Sequence[WebhookEvent], now: datetime
) -> Accepted:
    """Store each inbound message once (unique on channel + provider id) and record statuses.

    New messages are handed to the queue (`process_inbound`) once the caller's transaction commits.
    """
    raise NotImplementedError


def process_inbound(*, container: object, message_id: int) -> None:
    """Run the interviewer for a stored inbound message, under the conversation's lock."""
    raise NotImplementedError
