"""Routing's reads and marks on the alerts table: the alerts not sent on yet, taken once, and a
period's alerts for digests. Detection writes the rows (`askwhy.store.alerts`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from askwhy.store.alert_tables import AlertRow

RESOLVED = "resolved"


def unrouted_ids(*, session: Session, limit: int = 100) -> list[str]:
    """Alerts opened but not routed, or resolved without the resolution sent on, oldest first."""
    query = (
        select(AlertRow.id)
        .where(
            or_(
                AlertRow.routed_at.is_(None),
                and_(AlertRow.state == RESOLVED, AlertRow.resolved_notified_at.is_(None)),
            )
        )
        .order_by(AlertRow.opened_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def take_opened(*, session: Session, alert_id: str, now: datetime) -> AlertRow | None:
    """Mark the alert routed and return it, if no one had (two routers never both send it)."""
    taken = session.execute(
        update(AlertRow)
        .where(AlertRow.id == alert_id, AlertRow.routed_at.is_(None))
        .values(routed_at=now)
        .execution_options(synchronize_session=False)
    )
    return session.get(AlertRow, alert_id, populate_existing=True) if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def take_resolved(*, session: Session, alert_id: str, now: datetime) -> AlertRow | None:
    """Mark a resolved alert's resolution sent on and return it, if no one had."""
    taken = session.execute(
        update(AlertRow)
        .where(AlertRow.id == alert_id, AlertRow.state == RESOLVED, AlertRow.resolved_notified_at.is_(None))
        .values(resolved_notified_at=now)
        .execution_options(synchronize_session=False)
    )
    return session.get(AlertRow, alert_id, populate_existing=True) if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def alerts_of_period(*, session: Session, program: str, start: datetime, end: datetime) -> Sequence[AlertRow]:
    """A program's alerts that were opened, resolved or open at some time in [start, end)."""
    query = (
        select(AlertRow)
        .where(
            AlertRow.program == program,
            AlertRow.opened_at < end,
            or_(AlertRow.resolved_at.is_(None), AlertRow.resolved_at >= start),
        )
        .order_by(AlertRow.opened_at, AlertRow.id)
    )
    return session.scalars(query).all()
