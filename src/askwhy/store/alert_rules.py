"""Destinations and alert rules: stored, listed, removed by name or id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from askwhy.store.notification_tables import AlertRule, Destination

__all__ = [
    "AlertRule",
    "Destination",
    "add_destination",
    "add_rule",
    "destination",
    "destinations_named",
    "list_destinations",
    "list_rules",
    "remove_destination",
    "remove_rule",
    "rules_with_digest",
]


def add_destination(
    *, session: Session, name: str, kind: str, target: str, secret: str | None, now: datetime
) -> Destination:
    """A new destination; ValueError when the name is taken."""
    if session.scalar(select(Destination.id).where(Destination.name == name)) is not None:
        raise ValueError(f"name: a destination called {name!r} exists already")
    row = Destination(name=name, kind=kind, target=target, secret=secret, created_at=now)
    session.add(row)
    session.flush()
    return row


def list_destinations(*, session: Session) -> Sequence[Destination]:
    return session.scalars(select(Destination).order_by(Destination.name)).all()


def destination(*, session: Session, id_or_name: str) -> Destination | None:
    """A destination by its id or its name."""
    query = select(Destination).where((Destination.id == id_or_name) | (Destination.name == id_or_name))
    return session.scalars(query).first()


def destinations_named(*, session: Session, names: Iterable[str]) -> dict[str, Destination]:
    wanted = list(set(names))
    if not wanted:
        return {}
    rows = session.scalars(select(Destination).where(Destination.name.in_(wanted)))
    return {row.name: row for row in rows}


def remove_destination(*, session: Session, id_or_name: str) -> bool:
    row = destination(session=session, id_or_name=id_or_name)
    if row is None:
        return False
    session.delete(row)
    return True


def add_rule(*, session: Session, program: str, name: str, now: datetime, **fields: Any) -> AlertRule:
    """A new rule (``fields``: kinds, subjects, segment, min_severity, destinations, digests)."""
    row = AlertRule(program=program, name=name, created_at=now, **fields)
    session.add(row)
    session.flush()
    return row


def list_rules(*, session: Session, program: str | None = None) -> Sequence[AlertRule]:
    query = select(AlertRule).order_by(AlertRule.program, AlertRule.name, AlertRule.id)
    if program is not None:
        query = query.where(AlertRule.program == program)
    return session.scalars(query).all()


def rules_with_digest(*, session: Session, digest: str) -> list[AlertRule]:
    """Rules that asked for the ``daily`` or ``weekly`` digest (filtered here: the list is JSON)."""
    return [rule for rule in list_rules(session=session) if digest in (rule.digests or [])]


def remove_rule(*, session: Session, rule_id: str) -> bool:
    done = session.execute(delete(AlertRule).where(AlertRule.id == rule_id))
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]
