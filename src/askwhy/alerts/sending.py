"""Delivering the notification outbox: claim one notification, send it outside any transaction,
record the outcome. Retries back off exponentially (never sooner than a Retry-After); a failure
for good, or the last allowed attempt, dead-letters it with its reason.

Log lines name the notification, its event and destination kind, never a URL or secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from askwhy.alerts.destinations import Outcome, Status, Transport, transport
from askwhy.alerts.destinations.webhook import SignedWebhook
from askwhy.clock import Clock
from askwhy.settings import Settings
from askwhy.store import alert_rules, notifications, subscriptions
from askwhy.store.outbound_events import SUBSCRIPTION

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
"""How long one attempt may take before another worker may try the notification again."""


@dataclass(frozen=True)
class Notifying:
    """What delivery uses; the composition root's tasks build it."""

    sessions: sessionmaker[Session]
    clock: Clock
    settings: Settings

    def backoff(self, attempts: int, retry_after: float | None) -> float:
        """Seconds before the next attempt: doubling from the setting, capped, at least Retry-After."""
        base = self.settings.notification_backoff_seconds * 2 ** max(attempts - 1, 0)
        return float(max(min(base, self.settings.notification_backoff_max_seconds), retry_after or 0.0))


def deliver(
    *, ports: Notifying, notification_id: str, on_retry: Callable[[float], object] | None = None
) -> str:
    """One attempt at one notification, if it is due; returns what became of it. ``on_retry``
    gets the seconds until the next attempt (the task schedules it; the sweep is the safety net)."""
    with ports.sessions.begin() as session:
        row = notifications.claim(
            session=session, notification_id=notification_id, now=ports.clock.now(), lease=LEASE
        )
        if row is None:
            return "not due"
        attempts, payload, event, kind = row.attempts, row.payload, row.event, row.destination_kind
        found = _transport(
            session=session, kind=kind, destination_id=row.destination_id, settings=ports.settings
        )
    outcome = (
        found.notify(payload, notification_id=notification_id) if not isinstance(found, Outcome) else found
    )
    status, delay = _record(ports=ports, notification_id=notification_id, attempts=attempts, outcome=outcome)
    if delay is not None and on_retry is not None:
        on_retry(delay)
    log.info("notification %s (%s to %s): %s %s", notification_id, event, kind, status, outcome.reason)
    return status


def deliver_due(*, ports: Notifying, limit: int = 100) -> int:
    """Every due notification, one after another (the sweep); how many were tried."""
    with ports.sessions.begin() as session:
        due = notifications.due_ids(session=session, now=ports.clock.now(), limit=limit)
    for notification_id in due:
        deliver(ports=ports, notification_id=notification_id)
    return len(due)


def _transport(
    *, session: Session, kind: str, destination_id: str, settings: Settings
) -> Transport | Outcome:
    """The notification's transport, or the outcome of not having one (removed, misconfigured)."""
    timeout = settings.notification_timeout_seconds
    if kind == SUBSCRIPTION:
        found = subscriptions.subscription(session=session, subscription_id=destination_id)
        if found is None:
            return Outcome.failed("the webhook subscription was removed")
        return SignedWebhook(found.url, found.secret, timeout_seconds=timeout)
    destination = alert_rules.destination(session=session, id_or_name=destination_id)
    if destination is None:
        return Outcome.failed("the destination was removed")
    try:
        return transport(
            kind=destination.kind, target=destination.target, secret=destination.secret, settings=settings
        )
    except LookupError as exc:  # settings the operator can still add: try again later
        return Outcome.retry(str(exc))


def _record(
    *, ports: Notifying, notification_id: str, attempts: int, outcome: Outcome
) -> tuple[str, float | None]:
    now = ports.clock.now()
    with ports.sessions.begin() as session:
        if outcome.status is Status.DELIVERED:
            notifications.record_delivered(session=session, notification_id=notification_id, now=now)
            return notifications.DELIVERED, None
        if outcome.status is Status.FAILED or attempts >= ports.settings.notification_max_attempts:
            reason = (
                outcome.reason
                if outcome.status is Status.FAILED
                else f"{attempts} attempts; last: {outcome.reason}"
            )
            notifications.record_dead(session=session, notification_id=notification_id, reason=reason)
            return notifications.DEAD, None
        delay = ports.backoff(attempts, outcome.retry_after_seconds)
        at = now + timedelta(seconds=delay)
        notifications.record_retry(
            session=session, notification_id=notification_id, reason=outcome.reason, at=at
        )
        return "retry", delay
