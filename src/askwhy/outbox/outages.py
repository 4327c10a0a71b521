"""A provider that stopped answering (server errors, timeouts, unreachable): its channel's sends
are held while one probe every few seconds finds out when it is back, and the first answer puts
every message waiting for it back in line at once.

Without this, each failed message waited out its own backoff (30 s for the first retry, then
doubling), so a provider that was back after a minute was used again only as each message's
backoff ran out, and a provider that hangs held a send slot for every message sent into it.
The per-message backoff stays: it still spaces a message's attempts should the probes stop.

The state is a mark in the queue's storage (`Jobs.mark`), shared by every worker process, one per
channel: set by the first failure, removed by the first answer. Its value names the chain of
probes that owns it and when it last probed; the minute sweep starts a new chain for a mark
whose probes stopped (a worker killed between taking a probe and scheduling the next).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from askwhy.domain.conversation import Channel
from askwhy.queue.jobs import Jobs
from askwhy.store import outbox as queries
from askwhy.store.database import run_again_if_aborted

log = logging.getLogger(__name__)

PROBE_FIRST_SECONDS = 1.0
"""The first probe after a provider failed."""
PROBE_MAX_SECONDS = 2.0
"""The longest wait between two probes: a recovered provider is found within this, plus up to a
second of the queue's scheduler and a send, so within the 5 s a customer should wait at most
after it recovers; the cost is one request every 2-3 s to a provider that is down."""
PROBES_STOPPED_SECONDS = 3 * PROBE_MAX_SECONDS
"""A mark whose last probe is older than this has lost its chain of probes."""
PROBE_TASK = "probe_provider"


def _key(channel: str) -> str:
    return f"provider-down:{channel}"


def held(jobs: Jobs, channels: Iterable[Channel]) -> list[str]:
    """Of ``channels``, those whose provider is down: their sends wait for a probe."""
    return [channel.value for channel in channels if jobs.marked(_key(channel.value)) is not None]


def provider_failed(*, jobs: Jobs, channel: Channel, now: datetime) -> bool:
    """A send on ``channel`` found its provider unavailable: hold the channel and start probing
    it, unless that is under way; True if this call started it."""
    token = uuid.uuid4().hex[:16]
    if not jobs.mark(_key(channel.value), f"{token} {now.timestamp()}"):
        return False
    log.warning(
        "%s is not answering: its sends are held, and one is tried every %.0f-%.0f s until one goes through",
        channel.value,
        PROBE_FIRST_SECONDS,
        PROBE_MAX_SECONDS,
    )
    jobs.enqueue_in(PROBE_FIRST_SECONDS, PROBE_TASK, channel.value, token, 0)
    return True


def probe_delay(number: int) -> float:
    """Seconds before probe ``number`` (from 0): doubling from the first, up to the longest."""
    return float(min(PROBE_MAX_SECONDS, PROBE_FIRST_SECONDS * 2**number))


def still_probing(*, jobs: Jobs, channel: Channel, token: str) -> bool:
    """Whether the chain of probes ``token`` still holds ``channel``."""
    value = jobs.marked(_key(channel.value))
    return value is not None and value.split()[0] == token


def probe_due(*, jobs: Jobs, channel: Channel, token: str, number: int, now: datetime) -> bool:
    """Whether probe ``number`` of the chain ``token`` should send: the provider is still held by
    this chain. If so, its time is noted and the next probe scheduled, before this one sends, so
    a send that hangs does not hold the next probe back."""
    value = jobs.marked(_key(channel.value))
    if value is None or value.split()[0] != token:
        return False
    # Should the provider have answered since the read, this puts the mark back; the next probe
    # then gets through and removes it again, a second or so later.
    jobs.mark(_key(channel.value), f"{token} {now.timestamp()}", replace=True)
    jobs.enqueue_in(probe_delay(number + 1), PROBE_TASK, channel.value, token, number + 1)
    return True


def provider_answered(*, jobs: Jobs, sessions: sessionmaker[Session], channel: Channel, now: datetime) -> int:
    """A send on ``channel`` was answered: if the channel was held, release it, make every retry
    a failure put off due now, and send them; returns how many retries were released."""
    if jobs.marked(_key(channel.value)) is None or jobs.unmark(_key(channel.value)) is None:
        return 0

    def release() -> int:
        with sessions.begin() as session:
            return queries.release_waiting(session=session, channel=channel.value, now=now)

    released = run_again_if_aborted(release)
    jobs.nudge("deliver_due_now")
    log.warning("%s answers again: %d retries waiting for it are due now", channel.value, released)
    return released


def nothing_waiting(*, jobs: Jobs, channel: Channel) -> None:
    """No message waits for ``channel``'s provider: stop probing it (the next failure starts again)."""
    jobs.unmark(_key(channel.value))


def revive_probes(*, jobs: Jobs, channels: Iterable[Channel], now: datetime) -> list[Channel]:
    """Start a new chain of probes for each held channel whose probes stopped; returns those."""
    revived = []
    for channel in channels:
        value = jobs.marked(_key(channel.value))
        if value is None or now.timestamp() - float(value.split()[1]) < PROBES_STOPPED_SECONDS:
            continue
        token = uuid.uuid4().hex[:16]
        jobs.mark(_key(channel.value), f"{token} {now.timestamp()}", replace=True)
        jobs.enqueue(PROBE_TASK, channel.value, token, 0)
        revived.append(channel)
    return revived
