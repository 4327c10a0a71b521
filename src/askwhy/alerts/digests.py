"""Daily and weekly digests: per rule that asks for one, the alerts of the period just ended
(opened, still open at its end, resolved), one message per destination.

The period ends at midnight UTC (a week on Monday); the idempotency key names the rule, the
period and the destination, so a digest goes out once however often the task runs. A period
without any alert for the rule sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session

from askwhy.alerts.destinations import RENDERERS, Message
from askwhy.alerts.episodes import as_alert
from askwhy.alerts.messages import KIND_TITLES
from askwhy.alerts.routing import Routing
from askwhy.alerts.rules import Rule, rule_of
from askwhy.domain.alerts import Alert, AlertState
from askwhy.store import alert_rules, notifications, unrouted_alerts


@dataclass(frozen=True)
class Period:
    name: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Digest:
    """A rule's alerts of one period."""

    opened: tuple[Alert, ...]
    still_open: tuple[Alert, ...]
    resolved: tuple[Alert, ...]

    @property
    def empty(self) -> bool:
        return not (self.opened or self.still_open or self.resolved)


def last_period(name: str, now: datetime) -> Period:
    """The day (or the Monday-to-Monday week) that ended last before ``now``, in UTC."""
    midnight = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    if name == "daily":
        return Period(name, midnight - timedelta(days=1), midnight)
    monday = midnight - timedelta(days=midnight.weekday())
    return Period(name, monday - timedelta(days=7), monday)


def digest_of(alerts: Sequence[Alert], period: Period) -> Digest:
    """Sort a period's alerts into opened in it, open at its end, and resolved in it."""

    def within(moment: datetime | None) -> bool:
        return moment is not None and period.start <= moment < period.end

    return Digest(
        opened=tuple(a for a in alerts if within(a.opened_at)),
        still_open=tuple(
            a
            for a in alerts
            if a.state is not AlertState.RESOLVED or (a.resolved_at and a.resolved_at >= period.end)
        ),
        resolved=tuple(a for a in alerts if within(a.resolved_at)),
    )


def send_digests(*, ports: Routing, name: str) -> list[str]:
    """Every rule's ``name`` digest (``daily`` or ``weekly``) for the period just ended."""
    period = last_period(name, ports.clock.now())
    created: list[str] = []
    with ports.sessions.begin() as session:
        for row in alert_rules.rules_with_digest(session=session, digest=name):
            created += _send(session=session, rule=rule_of(row), period=period, ports=ports)
    return created


def _send(*, session: Session, rule: Rule, period: Period, ports: Routing) -> list[str]:
    rows = unrouted_alerts.alerts_of_period(
        session=session, program=rule.program, start=period.start, end=period.end
    )
    digest = digest_of([a for a in map(as_alert, rows) if rule.matches(a)], period)
    if digest.empty:
        return []
    message = digest_message(rule, period, digest, base_url=ports.settings.public_base_url)
    found = alert_rules.destinations_named(session=session, names=rule.destinations)
    created = []
    for destination in (found[n] for n in rule.destinations if n in found):
        row = notifications.add_notification(
            session=session,
            key=f"digest.{period.name}:{period.start.date()}:{rule.id}:{destination.id}",
            destination_kind=destination.kind,
            destination_id=destination.id,
            event=f"digest.{period.name}",
            payload=RENDERERS[destination.kind](message),
            now=ports.clock.now(),
        )
        if row is not None:
            created.append(row.id)
    return created


def digest_message(rule: Rule, period: Period, digest: Digest, *, base_url: str) -> Message:
    """The digest as one message: counts as facts, one line per alert."""
    last_day = (period.end - timedelta(days=1)).date()
    span = f"{period.start.date()}" if period.name == "daily" else f"{period.start.date()} to {last_day}"
    lines = (
        [f"Opened: {_line(a)}" for a in digest.opened]
        + [f"Still open: {_line(a)}" for a in digest.still_open if a not in digest.opened]
        + [f"Resolved: {_line(a)}" for a in digest.resolved]
    )
    data = {
        "rule": rule.id,
        "program": rule.program,
        "period": {"name": period.name, "start": period.start.isoformat(), "end": period.end.isoformat()},
        "opened": [a.id for a in digest.opened],
        "still_open": [a.id for a in digest.still_open],
        "resolved": [a.id for a in digest.resolved],
    }
    return Message(
        event=f"digest.{period.name}",
        title=f"{period.name.capitalize()} alerts digest: {rule.program} ({rule.name})",
        summary=f"Alerts of {rule.program} for {span}.",
        link=f"{base_url.rstrip('/')}/programs/{rule.program}",
        facts=(
            ("Opened", str(len(digest.opened))),
            ("Still open", str(len(digest.still_open))),
            ("Resolved", str(len(digest.resolved))),
        ),
        lines=tuple(lines),
        data=data,
    )


def _line(alert: Alert) -> str:
    what = alert.evidence.what if alert.evidence else alert.label
    return f"{KIND_TITLES.get(alert.kind, alert.kind.value)} ({alert.severity.value}): {what}"
