"""A stored alert row as the domain's `Alert`: what the CLI, the API and routing read."""

from __future__ import annotations

from askwhy.domain.alerts import Alert, AlertKind, AlertState, Severity, evidence_from_json
from askwhy.store.alert_tables import AlertRow


def as_alert(row: AlertRow) -> Alert:
    """The row's episode, its evidence parsed back (None when it has none)."""
    return Alert(
        id=row.id,
        program=row.program,
        kind=AlertKind(row.kind),
        subject=row.subject,
        label=row.label,
        segment={str(k): str(v) for k, v in (row.segment or {}).items()},
        severity=Severity(row.severity),
        state=AlertState(row.state),
        opened_at=row.opened_at,
        evidence=evidence_from_json(row.evidence) if row.evidence else None,
        updated_at=row.updated_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        snoozed_until=row.snoozed_until,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
    )
