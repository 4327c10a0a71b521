"""Alerts: what an emerging issue says to the team that owns it, and the life of one episode.

An alert is one episode of one subject (a theme rising, a new cluster, a metric dropping) in one
program and, optionally, one segment. While the episode is open, acknowledged or snoozed, the
same subject does not alert again; a resolved episode may be followed by a new one. A snoozed
episode whose snooze has ended counts as open again.

Severity follows the size of the move, at the cautious end of its interval (so a noisy move is
not called high): a rising share is HIGH when its ratio to the baseline is at least 2× even at
the lower bound, MEDIUM from 1.25×, LOW below; a metric drop is HIGH when its lower bound is at
least 10% of the metric's range (10 NPS points, 10 CSAT points, 0.6 on CES's 1–7), MEDIUM from
4%, LOW below; a new theme is MEDIUM (it has no baseline to measure a move against).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

HIGH_RATIO = 2.0
MEDIUM_RATIO = 1.25
HIGH_DROP = 0.10
MEDIUM_DROP = 0.04


class AlertKind(StrEnum):
    RISING_THEME = "rising_theme"
    NEW_THEME = "new_theme"
    METRIC_DROP = "metric_drop"


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"

    @property
    def holds_episode(self) -> bool:
        """True while the episode lasts: no new alert for the same subject."""
        return self is not AlertState.RESOLVED


class Severity(StrEnum):
    """How much the subject moved, for routing rules' minimum severity."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True)
class AlertQuote:
    """A customer's redacted words behind the alert, with the response they come from."""

    text: str
    response_id: str
    responded_at: datetime


@dataclass(frozen=True)
class AffectedSegment:
    """A segment value where the subject moved most: its share now against the baseline's."""

    name: str
    value: str
    share: float
    """The share of responses (0–1), or the metric's value when ``unit`` is ``points``."""
    baseline_share: float
    n: int
    unit: str = "share"

    def compared(self) -> str:
        """Now against the baseline, as a person reads it: "35.0% against 5.0%", "-20.0 against 30.0"."""
        if self.unit == "share":
            return f"{self.share:.1%} against {self.baseline_share:.1%}"
        return f"{self.share:.1f} against {self.baseline_share:.1f}"


@dataclass(frozen=True)
class Evidence:
    """What moved, by how much with its interval, since when, and the n behind it."""

    what: str
    """A sentence a CX person reads first, e.g. "late delivery: 9.1% of responses, up from 3.0%"."""
    value: float
    baseline: float
    low: float
    """The lower end of the interval of the change (a ratio for shares, points for metrics)."""
    high: float | None
    since: datetime
    n: int
    baseline_n: int
    test: str
    """The test and its result, e.g. "beta-binomial upper tail p=2e-05, α=0.0027, BH q=0.1"."""
    p_value: float
    segments: tuple[AffectedSegment, ...] = ()
    quotes: tuple[AlertQuote, ...] = ()


@dataclass(frozen=True)
class Alert:
    """One episode, as destinations, the API and the workspace show it."""

    id: str
    program: str
    kind: AlertKind
    subject: str
    """The theme id, the new cluster's proposed theme id, or the metric's name."""
    label: str
    segment: dict[str, str] = field(default_factory=dict)
    severity: Severity = Severity.MEDIUM
    state: AlertState = AlertState.OPEN
    opened_at: datetime | None = None
    evidence: Evidence | None = None
    updated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    snoozed_until: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    def state_at(self, now: datetime) -> AlertState:
        """The state as people see it at ``now``: a snooze that has ended is open again."""
        return state_at(self.state, self.snoozed_until, now)


def state_at(state: AlertState, snoozed_until: datetime | None, now: datetime) -> AlertState:
    """A stored state as it stands at ``now`` (a snooze ends by itself)."""
    if state is AlertState.SNOOZED and (snoozed_until is None or snoozed_until <= now):
        return AlertState.OPEN
    return state


def segment_key(segment: Mapping[str, str]) -> str:
    """One text per segment, the same whatever the order of its names: part of an episode's key."""
    return ";".join(f"{name}={segment[name]}" for name in sorted(segment))


def severity_for_ratio(ratio_low: float) -> Severity:
    """A rising share's severity from the lower bound of its ratio to the baseline."""
    if ratio_low >= HIGH_RATIO:
        return Severity.HIGH
    return Severity.MEDIUM if ratio_low >= MEDIUM_RATIO else Severity.LOW


def severity_for_drop(drop_low: float, *, span: float) -> Severity:
    """A metric drop's severity from the lower bound of the drop, as a part of the metric's range."""
    part = drop_low / span if span > 0 else 0.0
    if part >= HIGH_DROP:
        return Severity.HIGH
    return Severity.MEDIUM if part >= MEDIUM_DROP else Severity.LOW


def evidence_to_json(evidence: Evidence) -> dict[str, Any]:
    """The evidence as JSON-ready values (datetimes as ISO 8601), for storage and the API."""
    data = asdict(evidence)
    data["since"] = evidence.since.isoformat()
    data["quotes"] = [{**asdict(q), "responded_at": q.responded_at.isoformat()} for q in evidence.quotes]
    return data


def evidence_from_json(data: Mapping[str, Any]) -> Evidence:
    """The evidence back from `evidence_to_json`'s form."""
    return Evidence(
        what=str(data["what"]),
        value=float(data["value"]),
        baseline=float(data["baseline"]),
        low=float(data["low"]),
        high=None if data.get("high") is None else float(data["high"]),
        since=datetime.fromisoformat(data["since"]),
        n=int(data["n"]),
        baseline_n=int(data["baseline_n"]),
        test=str(data["test"]),
        p_value=float(data["p_value"]),
        segments=tuple(AffectedSegment(**s) for s in data.get("segments", ())),
        quotes=tuple(
            AlertQuote(q["text"], q["response_id"], datetime.fromisoformat(q["responded_at"]))
            for q in data.get("quotes", ())
        ),
    )
