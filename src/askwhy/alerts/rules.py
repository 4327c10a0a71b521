"""Alert rules: which of a program's alerts a team wants, and where. Matching is pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from askwhy.domain.alerts import Alert, AlertKind, Severity
from askwhy.store import alert_rules
from askwhy.store.notification_tables import AlertRule

DIGESTS = ("daily", "weekly")


@dataclass(frozen=True)
class Rule:
    """One rule: empty ``kinds``, ``subjects`` or ``segment`` mean "any"."""

    id: str
    program: str
    name: str
    destinations: tuple[str, ...]
    kinds: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()
    segment: Mapping[str, str] | None = None
    min_severity: Severity = Severity.LOW
    digests: tuple[str, ...] = ()

    def matches(self, alert: Alert) -> bool:
        """Whether the alert is this rule's: same program, a wanted kind, subject and segment,
        and at least the minimum severity."""
        return (
            alert.program == self.program
            and (not self.kinds or alert.kind.value in self.kinds)
            and (not self.subjects or alert.subject in self.subjects)
            and all(alert.segment.get(name) == value for name, value in (self.segment or {}).items())
            and alert.severity.rank >= self.min_severity.rank
        )


def rule_of(row: Any) -> Rule:
    """A stored rule (`askwhy.store.notification_tables.AlertRule`) as a `Rule`."""
    return Rule(
        id=row.id,
        program=row.program,
        name=row.name,
        destinations=tuple(row.destinations or ()),
        kinds=frozenset(row.kinds or ()),
        subjects=frozenset(row.subjects or ()),
        segment={str(k): str(v) for k, v in (row.segment or {}).items()},
        min_severity=Severity(row.min_severity),
        digests=tuple(row.digests or ()),
    )


def checked_fields(
    *,
    kinds: Iterable[str],
    min_severity: str,
    digests: Iterable[str],
    destinations: Iterable[str],
) -> dict[str, Any]:
    """A new rule's fields, checked; ValueError naming the field otherwise."""
    known = {kind.value for kind in AlertKind}
    unknown = sorted(set(kinds) - known)
    if unknown:
        raise ValueError(f"kinds: {unknown} not among {sorted(known)}")
    if min_severity not in {s.value for s in Severity}:
        raise ValueError(f"min_severity: {min_severity!r} is not low, medium or high")
    wrong = sorted(set(digests) - set(DIGESTS))
    if wrong:
        raise ValueError(f"digests: {wrong} not among daily, weekly")
    if not list(destinations):
        raise ValueError("destinations: name at least one destination")
    return {"kinds": sorted(set(kinds)), "min_severity": min_severity, "digests": sorted(set(digests))}


def create_rule(
    *,
    session: Session,
    program: str,
    name: str,
    destinations: Iterable[str],
    now: datetime,
    kinds: Iterable[str] = (),
    subjects: Iterable[str] = (),
    segment: Mapping[str, str] | None = None,
    min_severity: str = "low",
    digests: Iterable[str] = (),
) -> AlertRule:
    """A new rule, its fields checked and its destinations known; ValueError naming the field."""
    names = list(dict.fromkeys(destinations))
    fields = checked_fields(kinds=kinds, min_severity=min_severity, digests=digests, destinations=names)
    missing = sorted(set(names) - set(alert_rules.destinations_named(session=session, names=names)))
    if missing:
        raise ValueError(f"destinations: no destination called {', '.join(missing)} (add it first)")
    if not program.strip() or not name.strip():
        raise ValueError("program and name: both are needed")
    return alert_rules.add_rule(
        session=session,
        program=program,
        name=name,
        now=now,
        destinations=names,
        subjects=sorted(set(subjects)),
        segment=dict(segment or {}),
        **fields,
    )
