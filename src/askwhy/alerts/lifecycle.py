"""The life of an alert: read, acknowledge, snooze until a time, resolve.

An acknowledged or snoozed episode stays in progress, so its subject does not alert again; a
snooze ends by itself (the episode is open again); resolving ends the episode, and the next alarm
of the same subject opens a new one. Routing learns of a resolution through
``resolved_notified_at``, which stays NULL until it has sent it on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.alerts.episodes import as_alert
from askwhy.domain.alerts import Alert, AlertState, state_at
from askwhy.store import alerts
from askwhy.store.alert_tables import AlertRow


class AlertNotFound(LookupError):
    """No alert has this id."""


class AlertClosed(ValueError):
    """The alert was resolved: its episode is over and it cannot change any more."""


class BadSnooze(ValueError):
    """The snooze's end is not in the future; ``field`` names what to change."""

    field = "until"


def list_alerts(
    *,
    session: Session,
    now: datetime,
    program: str | None = None,
    state: AlertState | None = None,
    limit: int = 100,
) -> list[Alert]:
    """Alerts newest first, each in its state at ``now`` (an ended snooze reads as open)."""
    stored = None if state is None else [state.value, *(["snoozed"] if state is AlertState.OPEN else [])]
    rows = alerts.list_alerts(session=session, program=program, states=stored, limit=limit)
    found = [_now(as_alert(row), now) for row in rows]
    return [a for a in found if state is None or a.state is state]


def get_alert(*, session: Session, alert_id: str, now: datetime) -> Alert:
    return _now(as_alert(_row(session, alert_id)), now)


def acknowledge(*, session: Session, alert_id: str, by: str, now: datetime) -> Alert:
    """Someone owns it: the episode stays in progress and its subject does not alert again."""
    row = _changeable(session, alert_id)
    row.state = AlertState.ACKNOWLEDGED.value
    row.acknowledged_at, row.acknowledged_by = now, by[:200]
    row.snoozed_until = None
    row.updated_at = now
    return as_alert(row)


def snooze(*, session: Session, alert_id: str, until: datetime, by: str, now: datetime) -> Alert:
    """Quiet until ``until``: then the episode is open again (and alerts again if still alarming)."""
    if until.tzinfo is None:
        raise BadSnooze("give the time with its zone, e.g. 2026-12-08T09:00:00Z")
    if until <= now:
        raise BadSnooze(f"the snooze must end in the future (now is {now.isoformat(timespec='seconds')})")
    row = _changeable(session, alert_id)
    row.state = AlertState.SNOOZED.value
    row.snoozed_until = until
    row.acknowledged_by = row.acknowledged_by or by[:200]
    row.updated_at = now
    return as_alert(row)


def resolve(*, session: Session, alert_id: str, by: str, now: datetime, note: str = "") -> Alert:
    """The episode is over; routing sends the resolution on, and the subject may alert again."""
    row = _changeable(session, alert_id)
    row.state = AlertState.RESOLVED.value
    row.resolved_at, row.resolved_by = now, by[:200]
    row.snoozed_until = None
    row.resolved_notified_at = None
    row.note = note[:2000]
    row.updated_at = now
    session.flush()
    return as_alert(row)


def program_of(*, session: Session, alert_id: str) -> str | None:
    """The program an alert belongs to (None: no such alert), for a caller that may see it."""
    row = alerts.get_alert(session=session, alert_id=alert_id)
    return row.program if row is not None else None


def _row(session: Session, alert_id: str) -> AlertRow:
    row = alerts.get_alert(session=session, alert_id=alert_id)
    if row is None:
        raise AlertNotFound(alert_id)
    return row


def _changeable(session: Session, alert_id: str) -> AlertRow:
    row = _row(session, alert_id)
    if row.state == AlertState.RESOLVED.value:
        raise AlertClosed(f"alert {alert_id} was resolved; its episode is over")
    return row


def _now(alert: Alert, now: datetime) -> Alert:
    return replace(alert, state=state_at(alert.state, alert.snoozed_until, now))
