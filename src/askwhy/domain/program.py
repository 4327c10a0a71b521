"""Programs: which moments lead to an invitation, on which channel, when, and how often.

A program is data a team keeps under version control as YAML; this module validates it. The
decision for one customer and one moment is `askwhy.domain.contact_policy.decide`.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from askwhy.domain.cases import CaseRule, Team
from askwhy.domain.channels import INVITATION_CHANNELS
from askwhy.domain.conversation import Channel
from askwhy.domain.weighting_plan import WeightingPlan

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _parse_duration(value: Any) -> Any:
    if isinstance(value, str) and not value.startswith("P"):  # ISO 8601 (P3D) is pydantic's own
        match = _DURATION.match(value)
        if match is None:
            raise ValueError("a duration like 30m, 2h, 3d or 1w")
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(minutes=value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_parse_duration)]
"""``30m``, ``2h``, ``3d``, ``1w``, or a number of minutes."""
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsentNeeded(StrEnum):
    EXPLICIT = "explicit"
    """Only customers with a recorded consent for the channel are invited on it."""
    NONE = "none"
    """Anyone reachable is invited unless they withdrew consent for the channel or opted out."""


class TemplateRef(_Strict):
    name: str = Field(min_length=1, max_length=200, description="The provider-approved template name.")
    language: str = Field(default="en", min_length=2, max_length=16, description="e.g. en, en_US, es.")
    parameters: list[str] = Field(default_factory=list, description="Body parameters, in order.")


class ChannelOption(_Strict):
    channel: Channel
    consent: ConsentNeeded | None = Field(
        default=None,
        description="Consent needed; default explicit for WhatsApp, SMS and voice, none for e-mail.",
    )
    template: TemplateRef | None = Field(
        default=None,
        description="Sent instead of free text when the channel requires it (WhatsApp outside 24 h).",
    )
    reply_template: TemplateRef | None = Field(
        default=None,
        description="An approved template whose last body parameter carries a case owner's message, "
        "sent when free text is refused (WhatsApp outside 24 h); without one the plain template goes.",
    )

    @field_validator("channel")
    @classmethod
    def _invitable(cls, channel: Channel) -> Channel:
        if channel not in INVITATION_CHANNELS:
            names = ", ".join(sorted(c.value for c in INVITATION_CHANNELS))
            raise ValueError(f"invitations go out on {names}")
        return channel

    @property
    def consent_needed(self) -> ConsentNeeded:
        if self.consent is not None:
            return self.consent
        return ConsentNeeded.NONE if self.channel is Channel.EMAIL else ConsentNeeded.EXPLICIT


class Timing(_Strict):
    delay: Duration = Field(default=timedelta(0), description="Wait after the moment before inviting.")
    expires_after: Duration = Field(
        default=timedelta(days=3), description="No invitation goes out later than this after the moment."
    )


class QuietHours(_Strict):
    """No invitation is sent between ``start`` and ``end`` in the customer's local time."""

    start: time = Field(default=time(20, 0), description="Quiet from (local time).")
    end: time = Field(default=time(9, 0), description="Quiet until (local time).")
    default_time_zone: str = Field(default="UTC", description="For customers whose time zone is unknown.")

    @field_validator("default_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_time_zone(value)


class Cap(_Strict):
    invitations: int = Field(ge=0, description="At most this many invitations…")
    days: int = Field(ge=1, description="…in this many days.")


class Caps(_Strict):
    customer: Cap = Field(
        default=Cap(invitations=1, days=30), description="Per customer, counting every program's invitations."
    )
    program: Cap | None = Field(
        default=None, description="Per customer, counting this program's invitations."
    )


class AlertQuestions(_Strict):
    """The program's alerts: the segments its themes and metrics are also watched in, and whether an
    open rising-theme alert may ask later customers about its theme, and how often."""

    segments: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list,
        max_length=10,
        description="Segment names (e.g. region, plan) in whose values each theme's share and each "
        "metric are also tested, beside ASKWHY_ALERT_SEGMENTS; an alert then names the value.",
    )

    ask_about_open_alerts: bool = Field(
        default=False,
        description="Add one question about an open rising-theme alert to later conversations, within "
        "the guide's question budget, to customers in the alert's segment.",
    )
    max_answers: int = Field(
        default=50,
        ge=1,
        le=10_000,
        description="Stop asking about an alert once this many customers answered.",
    )


class Program(_Strict):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    guide: Identifier = Field(description="The interview guide the conversation follows.")
    moments: list[Identifier] = Field(min_length=1, description="Moment names that trigger an invitation.")
    channels: list[ChannelOption] = Field(min_length=1, description="Channels in order of preference.")
    timing: Timing = Field(default_factory=Timing)
    sampling: float = Field(default=1.0, ge=0, le=1, description="Share of eligible moments invited.")
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    caps: Caps = Field(default_factory=Caps)
    inbound_start: list[Channel] = Field(
        default_factory=list, description="Channels on which a customer who writes first starts this program."
    )
    active: bool = True
    teams: list[Team] = Field(
        default_factory=list, description="Teams that follow up on cases, with their hours and SLA."
    )
    case_rules: list[CaseRule] = Field(
        default_factory=list, description="Which responses open a case, and which team a case goes to."
    )
    alerts: AlertQuestions = Field(
        default_factory=AlertQuestions, description="Questions open alerts may add to conversations."
    )
    weighting: WeightingPlan | None = Field(
        default=None, description="Segments to weight the metrics on for who did not answer (none: raw only)."
    )

    @model_validator(mode="after")
    def _channels_once(self) -> Program:
        seen = [option.channel for option in self.channels]
        if len(seen) != len(set(seen)):
            raise ValueError("a channel is listed twice in channels")
        return self

    @model_validator(mode="after")
    def _teams_known(self) -> Program:
        names = [team.name for team in self.teams]
        if len(names) != len(set(names)):
            raise ValueError("teams: a team name is used twice")
        for index, rule in enumerate(self.case_rules):
            if rule.team not in names:
                known = ", ".join(names) or "none defined"
                raise ValueError(f"case_rules[{index}].team: no team {rule.team!r} (teams: {known})")
        return self

    def team(self, name: str) -> Team | None:
        return next((team for team in self.teams if team.name == name), None)

    @property
    def follows_up(self) -> bool:
        """True when a team with an SLA stands behind any promise of contact the guide makes."""
        return any(team.sla is not None for team in self.teams)

    def team_time_zone(self, team: Team) -> str:
        return team.time_zone or self.quiet_hours.default_time_zone

    def channel_options(self, channel: Channel) -> ChannelOption | None:
        return next((option for option in self.channels if option.channel is channel), None)


def known_time_zone(value: str) -> str:
    """The IANA time zone name, if it is one (e.g. Europe/Madrid)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Madrid") from None
    return value
