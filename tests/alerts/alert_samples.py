"""Alerts as detection writes them, for routing and destination tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from askwhy.domain.alerts import (
    AffectedSegment,
    Alert,
    AlertKind,
    AlertQuote,
    AlertState,
    Evidence,
    Severity,
    evidence_to_json,
    segment_key,
)
from askwhy.store.alert_tables import AlertRow

SINCE = datetime(2026, 1, 4, tzinfo=UTC)


def evidence(
    *, quotes: tuple[str, ...] = ("The parcel came a week late.", "Still waiting for my order.")
) -> Evidence:
    return Evidence(
        what="late delivery: 9.1% of responses, up from 3.0%",
        value=0.091,
        baseline=0.03,
        low=2.1,
        high=4.4,
        since=SINCE,
        n=220,
        baseline_n=3100,
        test="beta-binomial upper tail p=2e-05, α=0.0027, BH q=0.1",
        p_value=2e-05,
        segments=(AffectedSegment("region", "north", 0.14, 0.03, 80),),
        quotes=tuple(AlertQuote(text, f"resp-{i}", SINCE) for i, text in enumerate(quotes)),
    )


def alert(
    *,
    severity: Severity = Severity.HIGH,
    kind: AlertKind = AlertKind.RISING_THEME,
    program: str = "post-checkout",
    subject: str = "late-delivery",
    segment: dict[str, str] | None = None,
    quotes: tuple[str, ...] = ("The parcel came a week late.", "Still waiting for my order."),
) -> Alert:
    return Alert(
        id="alert-1",
        program=program,
        kind=kind,
        subject=subject,
        label="late delivery",
        segment=segment or {},
        severity=severity,
        state=AlertState.OPEN,
        opened_at=SINCE + timedelta(days=1),
        evidence=evidence(quotes=quotes),
    )


def store_alert(
    session: Session, sample: Alert, *, opened_at: datetime, alert_id: str | None = None
) -> AlertRow:
    """An alert row as detection leaves it: not routed yet."""
    assert sample.evidence is not None
    row = AlertRow(
        id=alert_id or None,
        program=sample.program,
        kind=sample.kind.value,
        subject=sample.subject,
        label=sample.label,
        segment=dict(sample.segment),
        segment_key=segment_key(sample.segment),
        severity=sample.severity.value,
        state=AlertState.OPEN.value,
        opened_at=opened_at,
        updated_at=opened_at,
        evidence=evidence_to_json(sample.evidence),
        note="",
    )
    session.add(row)
    session.flush()
    return row
