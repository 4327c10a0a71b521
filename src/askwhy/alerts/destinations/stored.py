"""Destinations as a team stores them: checked when added, a webhook's secret generated when none
is given (shown once), and shown afterwards without what makes them secret."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from askwhy.alerts import signing
from askwhy.alerts.destinations import check
from askwhy.store import alert_rules
from askwhy.store.notification_tables import Destination


def add(
    *, session: Session, name: str, kind: str, target: str, secret: str | None, now: datetime
) -> tuple[Destination, str | None]:
    """A new destination and the secret generated for it (None when none was generated)."""
    if not name.strip():
        raise ValueError("name: give the destination a name")
    check(kind=kind, target=target, secret=secret)
    generated = signing.new_secret() if kind == "webhook" and secret is None else None
    row = alert_rules.add_destination(
        session=session, name=name.strip(), kind=kind, target=target, secret=secret or generated, now=now
    )
    return row, generated


def masked_target(target: str) -> str:
    """What may be shown of a target: an address, an ``env:`` reference, or a URL's host alone
    (a Slack or Teams webhook URL's path is its secret)."""
    if target.startswith("env:") or "://" not in target:
        return target
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.hostname}/…"
