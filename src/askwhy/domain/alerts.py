"""Alerts: what an emerging issue says to the team that owns it, and the life of one episode.

An alert is one episode of one subject (a theme rising, a new cluster, a metric dropping) in one
program and, optionally, one segment. While the episode is open, acknowledged or snoozed, the
same subject does not alert again; a resolved episode may be followed by a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


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
    baseline_share: float
    n: int


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
