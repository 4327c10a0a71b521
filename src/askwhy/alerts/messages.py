"""An alert as a message a team reads: title, the sentence of what moved, facts, redacted quotes,
a link to the workspace, and the event's JSON for signed webhooks."""

from __future__ import annotations

from typing import Any

from askwhy.alerts.destinations.base import Message
from askwhy.analysis.redaction import redact
from askwhy.domain.alerts import Alert, AlertKind, evidence_to_json

KIND_TITLES = {
    AlertKind.RISING_THEME: "Rising theme",
    AlertKind.NEW_THEME: "New theme",
    AlertKind.METRIC_DROP: "Metric dropping",
}
MAX_QUOTES = 5


def alert_message(alert: Alert, *, event: str, base_url: str, region: str = "US") -> Message:
    """The message for ``alert.opened`` or ``alert.resolved``. Quotes are redacted once more here,
    so a destination never receives personal data even from an alert stored before redaction."""
    kind = KIND_TITLES.get(alert.kind, alert.kind.value)
    resolved = event == "alert.resolved"
    title = f"Resolved: {kind.lower()}: {alert.label}" if resolved else f"{kind}: {alert.label}"
    evidence = alert.evidence
    quotes = (
        tuple(redact(q.text, default_region=region).text for q in evidence.quotes[:MAX_QUOTES])
        if evidence
        else ()
    )
    return Message(
        event=event,
        title=title,
        summary=evidence.what if evidence else alert.label,
        link=alert_link(alert, base_url=base_url),
        facts=_facts(alert),
        quotes=quotes,
        data={"alert": alert_data(alert, quotes=quotes)},
    )


def alert_link(alert: Alert, *, base_url: str) -> str:
    """Where the team reads more: the theme's page for a theme, the program's overview otherwise."""
    root = f"{base_url.rstrip('/')}/programs/{alert.program}"
    if alert.kind is AlertKind.RISING_THEME:
        return f"{root}/themes/{alert.subject}"
    return f"{root}/themes" if alert.kind is AlertKind.NEW_THEME else root


def alert_data(alert: Alert, *, quotes: tuple[str, ...]) -> dict[str, Any]:
    """The alert as JSON for webhooks: ids, figures and redacted quotes only."""
    evidence = evidence_to_json(alert.evidence) if alert.evidence else None
    if evidence is not None:
        evidence["quotes"] = [
            {"text": text, "response_id": q["response_id"], "responded_at": q["responded_at"]}
            for text, q in zip(quotes, evidence["quotes"], strict=False)
        ]
    return {
        "id": alert.id,
        "program": alert.program,
        "kind": alert.kind.value,
        "subject": alert.subject,
        "label": alert.label,
        "segment": dict(alert.segment),
        "severity": alert.severity.value,
        "state": alert.state.value,
        "opened_at": alert.opened_at.isoformat() if alert.opened_at else None,
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "evidence": evidence,
    }


def _facts(alert: Alert) -> tuple[tuple[str, str], ...]:
    facts = [("Program", alert.program), ("Severity", alert.severity.value)]
    if alert.segment:
        facts.append(("Segment", ", ".join(f"{k}={v}" for k, v in sorted(alert.segment.items()))))
    evidence = alert.evidence
    if evidence is not None:
        interval = f"{evidence.low:.2f}" + (f"–{evidence.high:.2f}" if evidence.high is not None else "+")
        facts += [
            ("Since", evidence.since.strftime("%Y-%m-%d")),
            ("Responses", f"{evidence.n} (baseline {evidence.baseline_n})"),
            ("Change interval", interval),
            ("Test", evidence.test),
        ]
        if evidence.segments:
            most = evidence.segments[0]
            facts.append(("Most affected", f"{most.name}={most.value}: {most.compared()}"))
    return tuple(facts)
