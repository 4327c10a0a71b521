"""Outbound webhook subscriptions: a team's URL, the events it wants, and a secret of its own,
generated here and shown once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.alerts import signing
from askwhy.alerts.destinations import Message, Outcome
from askwhy.alerts.destinations.webhook import SignedWebhook, render_event
from askwhy.store import subscriptions
from askwhy.store.notification_tables import WebhookSubscription
from askwhy.store.outbound_events import EVENTS


def subscribe(
    *, session: Session, url: str, events: Iterable[str], program: str | None, now: datetime
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its ``whsec_`` secret (the only time it is shown)."""
    wanted = sorted(set(events))
    unknown = [event for event in wanted if event not in EVENTS]
    if unknown or not wanted:
        raise ValueError(f"events: choose among {', '.join(EVENTS)} (got {unknown or 'none'})")
    if not url.startswith(("https://", "http://")):
        raise ValueError("url: an http(s):// URL is needed")
    secret = signing.new_secret()
    row = subscriptions.add_subscription(
        session=session, url=url, events=wanted, program=program, secret=secret, now=now
    )
    return row, secret


def test_delivery(subscription: WebhookSubscription, *, timeout_seconds: float) -> Outcome:
    """A signed ``test`` event to the subscription's URL, sent now (not through the outbox)."""
    message = Message(
        event="test",
        title="askwhy test event",
        summary="askwhy can deliver to this subscription.",
        link="",
        data={"subscription_id": subscription.id, "events": list(subscription.events or [])},
    )
    webhook = SignedWebhook(subscription.url, subscription.secret, timeout_seconds=timeout_seconds)
    return webhook.notify(render_event(message), notification_id=f"test_{signing.new_secret()[6:14]}")
