"""What every detector hands to detection: the days it looks at, and the alerts it would open."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from askwhy.analysis.emerging import Design
from askwhy.analysis.metric_drop import DropDesign
from askwhy.analysis.quotes import NEAR_DUPLICATE
from askwhy.domain.alerts import AlertKind, Evidence, Severity, segment_key

WEEKLY_DROP = DropDesign(period="week", baseline_periods=12, guard_periods=1, min_baseline_periods=8)
"""A quarter of weeks before the last one: a metric's slow slide against its recent level."""


@dataclass(frozen=True)
class DetectionDesign:
    """Every detector's sensitivity, from the settings (`askwhy.settings`: ``ASKWHY_ALERT_*``)."""

    rising: Design = field(default_factory=Design)
    drop: DropDesign = field(default_factory=DropDesign)
    drop_week: DropDesign | None = field(default_factory=lambda: WEEKLY_DROP)
    """The seven days to today against the weeks before; None: daily only."""
    new_theme_days: int = 7
    new_theme_min_size: int = 5
    segments: tuple[str, ...] = ()
    """Segment names (e.g. region) whose values each theme's share is also tested in."""
    near_duplicate: float = NEAR_DUPLICATE
    """Two quotes of an alert this close say the same thing: the embedding model's own level
    (`askwhy.analysis.similarity_scale`), set by the caller; the default model's by default."""


@dataclass(frozen=True)
class Days:
    """Today (so far) and the days of history before it, as UTC days."""

    today: date
    history: int

    @property
    def first(self) -> date:
        return self.today - timedelta(days=self.history)

    def history_days(self) -> list[date]:
        """The days before today, oldest first."""
        return [self.first + timedelta(days=i) for i in range(self.history)]

    def span(self) -> tuple[datetime, datetime]:
        """[start of the first history day, end of today)."""
        return start_of(self.first), start_of(self.today + timedelta(days=1))

    def current(self) -> tuple[datetime, datetime]:
        return start_of(self.today), start_of(self.today + timedelta(days=1))

    def baseline(self, guard: int) -> tuple[datetime, datetime]:
        """The history without its ``guard`` most recent days."""
        return start_of(self.first), start_of(self.today - timedelta(days=guard))


@dataclass(frozen=True)
class Cooling:
    """What stays quiet in one program: the (kind, subject, segment key) of each episode in progress
    or opened within the cooldown; the segment key is empty for the whole program."""

    keys: frozenset[tuple[str, str, str]] = frozenset()

    def of(self, kind: str) -> frozenset[str]:
        """The subjects of ``kind`` cooling over the whole program."""
        return frozenset(subject for k, subject, segment in self.keys if k == kind and not segment)

    def in_segments(self, kind: str) -> frozenset[tuple[str, str]]:
        """The (subject, segment key) pairs of ``kind`` cooling in one segment value."""
        return frozenset((subject, segment) for k, subject, segment in self.keys if k == kind and segment)


@dataclass(frozen=True)
class Candidate:
    """An alert a detector would open, unless its subject has an episode in progress."""

    program: str
    kind: AlertKind
    subject: str
    label: str
    severity: Severity
    evidence: Evidence
    segment: Mapping[str, str] = field(default_factory=dict)

    @property
    def segment_key(self) -> str:
        return segment_key(self.segment)


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of a day."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def days_for(now: datetime, design: DetectionDesign) -> Days:
    """The days the detectors read at ``now``: the baseline, the guard (or the window a sustained rise
    may have begun in), and today."""
    weeks = design.drop_week
    rising = design.rising
    history = max(rising.baseline_periods + max(rising.guard_periods, rising.sustained_periods),
                  design.drop.baseline_periods + design.drop.guard_periods,
                  7 * (weeks.baseline_periods + weeks.guard_periods) if weeks else 0)  # fmt: skip
    return Days(today=now.astimezone(UTC).date(), history=history)
