"""Close-the-loop cases: why one opens, where it stands, how urgent it is and when it is due.

A case is the promise a survey made ("someone will contact you") with an owner and a deadline.
Its deadline counts business hours in the team's time zone, so a case opened on Friday evening is
not overdue on Saturday morning. Everything here is pure: the store and the use cases in
`askwhy.cases` apply it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from askwhy.domain.conversation import Channel
from askwhy.domain.scales import Band


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """Still someone's work: counts for the SLA and may escalate."""
        return self not in (CaseStatus.RESOLVED, CaseStatus.CLOSED)


TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset(
        {CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CUSTOMER, CaseStatus.RESOLVED, CaseStatus.CLOSED}
    ),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.WAITING_CUSTOMER, CaseStatus.RESOLVED, CaseStatus.CLOSED}),
    CaseStatus.WAITING_CUSTOMER: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}
"""Where a case may go from each status: a resolved case may be reopened, a closed one is final."""


class InvalidTransition(ValueError):
    """A status change the lifecycle does not allow; the message names both statuses."""


def check_transition(current: CaseStatus, target: CaseStatus) -> None:
    """Raise `InvalidTransition` unless a case may go from ``current`` to ``target``."""
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none (closed is final)"
        raise InvalidTransition(
            f"status: a {current.value} case cannot become {target.value} (allowed: {allowed})"
        )


class OpenReason(StrEnum):
    ACCEPTED_CONTACT = "accepted_contact"
    """A detractor said yes to the guide's close-the-loop offer."""
    HELP_REQUEST = "help_request"
    """The customer asked for a person or for help ("can someone call me?")."""
    RULE = "rule"
    """A case rule of the program matched (score, theme, segment, channel)."""


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return list(Priority).index(self)


class CaseEventKind(StrEnum):
    OPENED = "opened"
    ASSIGNED = "assigned"
    STATUS_CHANGED = "status_changed"
    NOTE_ADDED = "note_added"
    ESCALATED = "escalated"
    FOLLOW_UP_ASKED = "follow_up_asked"
    FOLLOW_UP_ANSWERED = "follow_up_answered"
    REPLY_SENT = "reply_sent"
    CUSTOMER_REPLIED = "customer_replied"
    CONTACT_WISH = "contact_wish"
    """The customer refused contact, or asked for it again, after the case opened."""


def priority_for(reason: OpenReason, band: Band, ruled: Priority | None = None) -> Priority:
    """A help request is high, a detractor's accepted contact normal; a matching rule may raise it."""
    base = Priority.HIGH if reason is OpenReason.HELP_REQUEST else Priority.NORMAL
    if reason is OpenReason.RULE and band is not Band.DETRACTOR:
        base = Priority.LOW
    if ruled is not None and ruled.rank > base.rank:
        return ruled
    return base


BusinessHours = Mapping[int, tuple[time, time]]
"""Opening hours per weekday (0 = Monday), in local time; a weekday left out is closed."""


def due_at(
    opened_at: datetime,
    sla: timedelta,
    business_hours: BusinessHours,
    time_zone: str,
    holidays: Collection[date] = (),
) -> datetime:
    """When ``sla`` of business time has passed since ``opened_at`` (UTC).

    Counting starts at the next opening when the case opens outside hours. Each day's window is
    built in local time and measured in real (UTC) time, so a day that changes clocks counts its
    hours as the team lives them."""
    if not any(end > start for start, end in business_hours.values()):
        raise ValueError("business_hours: no weekday has opening hours")
    zone = ZoneInfo(time_zone)
    remaining = sla
    cursor = opened_at.astimezone(UTC)
    day = opened_at.astimezone(zone).date()
    while True:
        window = _window(day, business_hours, zone, holidays)
        if window is not None and window[1] > cursor:
            begin = max(window[0], cursor)
            available = window[1] - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += timedelta(days=1)


def business_time(
    start: datetime,
    end: datetime,
    business_hours: BusinessHours,
    time_zone: str,
    holidays: Collection[date] = (),
) -> timedelta:
    """Business time between two instants (zero when ``end`` is not after ``start``)."""
    zone = ZoneInfo(time_zone)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta(0)
    day = start.astimezone(zone).date()
    while start < end and day <= end.astimezone(zone).date():
        window = _window(day, business_hours, zone, holidays)
        if window is not None:
            overlap = min(window[1], end) - max(window[0], start)
            total += max(overlap, timedelta(0))
        day += timedelta(days=1)
    return total


def _window(
    day: date, business_hours: BusinessHours, zone: ZoneInfo, holidays: Collection[date]
) -> tuple[datetime, datetime] | None:
    hours = business_hours.get(day.weekday())
    if hours is None or day in holidays or hours[1] <= hours[0]:
        return None
    opens = datetime.combine(day, hours[0], tzinfo=zone).astimezone(UTC)
    closes = datetime.combine(day, hours[1], tzinfo=zone).astimezone(UTC)
    return opens, closes


def recovered(original: Band, follow_up: Band) -> bool:
    """A detractor whose follow-up answer is passive or promoter: the loop closed well."""
    return original is Band.DETRACTOR and follow_up in (Band.PASSIVE, Band.PROMOTER)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _parse_range(value: Any) -> Any:
    if isinstance(value, str):
        match = _RANGE.match(value)
        if match is None:
            raise ValueError("opening hours like 09:00-17:30")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
            raise ValueError("opening hours like 09:00-17:30")
        start, end = time(h1, m1), time(23, 59, 59) if h2 == 24 else time(h2, m2)
        if end <= start:
            raise ValueError("opening hours must end after they start")
        return (start, end)
    return value


HoursRange = Annotated[tuple[time, time], BeforeValidator(_parse_range)]
Weekday = Annotated[str, StringConstraints(pattern=r"^(mon|tue|wed|thu|fri|sat|sun)$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
TeamName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=100)]
DestinationName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sla(_Strict):
    """Deadlines in business hours: the customer hears from a person, then the case is resolved."""

    first_response_hours: float = Field(
        gt=0, description="Business hours until someone first acts on a case."
    )
    resolution_hours: float = Field(gt=0, description="Business hours until the case is resolved.")


def _weekdays_9_to_5() -> dict[str, tuple[time, time]]:
    return {day: (time(9), time(17)) for day in WEEKDAYS[:5]}


class Team(_Strict):
    """People who follow up on cases: round-robin among members, escalation to the lead."""

    name: TeamName
    members: list[Email] = Field(min_length=1, description="E-mails of the people cases go to, in turn.")
    lead: Email = Field(description="E-mail of the person overdue cases escalate to.")
    business_hours: dict[Weekday, HoursRange] = Field(
        default_factory=_weekdays_9_to_5,
        description="Opening hours per weekday (mon..sun), e.g. 09:00-17:00.",
    )
    time_zone: str | None = Field(
        default=None, description="IANA zone; the program's default time zone if unset."
    )
    holidays: list[date] = Field(default_factory=list, description="Days the team is closed.")
    sla: Sla | None = Field(default=None, description="First response and resolution deadlines.")
    notify: list[DestinationName] = Field(
        default_factory=list,
        description="Destinations (by name, as `askwhy destinations add` stores them) told of the "
        "team's new, reassigned and escalated cases and of customers' answers, with a link to the case.",
    )
    email_people: bool = Field(
        default=False,
        description="Also e-mail the person a notice is for: the owner, and the lead of an escalation.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone {value!r}; use an IANA name such as Europe/Lisbon"
                ) from None
        return value

    @property
    def hours(self) -> BusinessHours:
        return {WEEKDAYS.index(day): hours for day, hours in self.business_hours.items()}


class CaseRule(_Strict):
    """Conditions on a response (all that are given must hold) and the team its case goes to."""

    team: TeamName
    score_at_most: int | None = Field(default=None, ge=0, description="Matches a score at or below this.")
    themes: list[str] = Field(default_factory=list, description="Matches any of these theme ids.")
    segment: dict[str, list[str]] = Field(default_factory=dict, description="Matches these segment values.")
    channels: list[Channel] = Field(default_factory=list, description="Matches responses on these channels.")
    in_open_alert: bool = Field(
        default=False,
        description="Matches a customer in the segment of one of the program's alerts not yet resolved.",
    )
    priority: Priority = Priority.NORMAL
    opens_case: bool = Field(
        default=True,
        description="Open a case when it matches; false: only route cases opened for other reasons.",
    )

    @property
    def has_conditions(self) -> bool:
        return bool(
            self.score_at_most is not None
            or self.themes
            or self.segment
            or self.channels
            or self.in_open_alert
        )

    def matches(
        self,
        *,
        score: int | None,
        themes: Collection[str],
        segment: Mapping[str, Any],
        channel: str,
        alert_segments: Collection[Mapping[str, Any]] = (),
    ) -> bool:
        """True when every condition the rule sets holds for the response (``alert_segments``: the
        segments of the program's open alerts)."""
        if self.score_at_most is not None and (score is None or score > self.score_at_most):
            return False
        if self.themes and not set(self.themes) & set(themes):
            return False
        if self.channels and channel not in {c.value for c in self.channels}:
            return False
        if self.in_open_alert and not any(in_segment(segment, alert) for alert in alert_segments):
            return False
        return all(str(segment.get(key)) in values for key, values in self.segment.items())


def in_segment(customer: Mapping[str, Any], alert_segment: Mapping[str, Any]) -> bool:
    """True when the customer carries every name=value of the alert's segment (an alert on the
    whole program, with no segment, covers everyone)."""
    return all(str(customer.get(name, "")) == str(value) for name, value in alert_segment.items())
