"""Routing: each alert detection opened (or resolved) becomes one notification per destination
its program's rules name, and one per webhook subscription wanting the event.

Detection writes alert rows with ``routed_at`` empty; routing takes each row by setting that
column (and ``resolved_notified_at`` for a resolution) in the same transaction as the
notifications it creates, so an alert is routed once even when two workers route at once, and
a crash loses nothing. The notification outbox (`askwhy.alerts.sending`) delivers them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from askwhy.alerts.destinations import RENDERERS
from askwhy.alerts.episodes import as_alert
from askwhy.alerts.messages import alert_message
from askwhy.alerts.rules import Rule, rule_of
from askwhy.clock import Clock
from askwhy.domain.alerts import Alert
from askwhy.settings import Settings
from askwhy.store import alert_rules, notifications, outbound_events, unrouted_alerts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Routing:
    sessions: sessionmaker[Session]
    clock: Clock
    settings: Settings


def route_alerts(*, ports: Routing, limit: int = 100) -> list[str]:
    """Route every alert not yet routed (one short transaction each); the notifications' ids."""
    with ports.sessions.begin() as session:
        pending = unrouted_alerts.unrouted_ids(session=session, limit=limit)
    created: list[str] = []
    for alert_id in pending:
        with ports.sessions.begin() as session:
            created += route_one(session=session, alert_id=alert_id, ports=ports)
    return created


def route_one(*, session: Session, alert_id: str, ports: Routing) -> list[str]:
    """Take one alert's opening and, once resolved, its resolution; create their notifications."""
    now = ports.clock.now()
    created: list[str] = []
    opened = unrouted_alerts.take_opened(session=session, alert_id=alert_id, now=now)
    if opened is not None:
        created += notify(session=session, alert=as_alert(opened), event="alert.opened", ports=ports)
    resolved = unrouted_alerts.take_resolved(session=session, alert_id=alert_id, now=now)
    if resolved is not None:
        created += notify(session=session, alert=as_alert(resolved), event="alert.resolved", ports=ports)
    return created


def notify(*, session: Session, alert: Alert, event: str, ports: Routing) -> list[str]:
    """One notification per destination of the rules the alert matches, and per subscription."""
    now = ports.clock.now()
    message = alert_message(
        alert, event=event, base_url=ports.settings.public_base_url, region=ports.settings.redaction_region
    )
    rules = [rule_of(row) for row in alert_rules.list_rules(session=session, program=alert.program)]
    created = []
    for destination in _destinations(session=session, rules=[r for r in rules if r.matches(alert)]):
        row = notifications.add_notification(
            session=session,
            key=f"{event}:{alert.id}:{destination.id}",
            destination_kind=destination.kind,
            destination_id=destination.id,
            event=event,
            payload=RENDERERS[destination.kind](message),
            now=now,
            alert_id=alert.id,
        )
        if row is not None:
            created.append(row.id)
    created += outbound_events.record_event(
        session=session,
        event=event,
        program=alert.program,
        subject_id=alert.id,
        data=message.data,
        now=now,
        alert_id=alert.id,
    )
    log.info("alert %s (%s): %d notifications for %s", alert.id, alert.program, len(created), event)
    return created


def _destinations(*, session: Session, rules: Sequence[Rule]) -> list[alert_rules.Destination]:
    """The rules' destinations, each once, in the order first named; a name no longer stored is
    logged and skipped."""
    names = list(dict.fromkeys(name for rule in rules for name in rule.destinations))
    found = alert_rules.destinations_named(session=session, names=names)
    for missing in [name for name in names if name not in found]:
        log.warning("an alert rule names destination %r, which does not exist", missing)
    return [found[name] for name in names if name in found]
