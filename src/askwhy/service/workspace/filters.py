"""The filters every workspace page shares: dates, channel, language, segment values, simulated.

They come from the query string, so a filtered view is a link that can be bookmarked or shared.
A value that does not parse is dropped and named on the page, never answered with an error page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query

from askwhy.domain.grouping import Period
from askwhy.insights.selection import Selection

SEGMENT = re.compile(r"(?P<name>[\w .-]{1,64}):(?P<value>.{1,200})")
CODE = re.compile(r"[A-Za-z_-]{1,20}")


@dataclass(frozen=True)
class Filters:
    """What the person chose to look at; ``problems`` names each value that was dropped."""

    since: date | None = None
    until: date | None = None
    channel: str | None = None
    language: str | None = None
    segment: dict[str, str] = field(default_factory=dict)
    period: Period | None = None
    include_simulated: bool = False
    problems: tuple[str, ...] = ()

    def selection(self, program: str) -> Selection:
        """The responses of ``program`` these filters select."""
        return Selection(
            program=program,
            channel=self.channel,
            language=self.language,
            since=self.since,
            until=self.until,
            segment=self.segment,
            include_simulated=self.include_simulated,
        )

    def query(self, **changes: str | None) -> str:
        """The query string of these filters, with ``changes`` applied (None removes a key)."""
        pairs: list[tuple[str, str]] = []
        values = {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "channel": self.channel,
            "language": self.language,
            "period": self.period.value if self.period else None,
            "simulated": "on" if self.include_simulated else None,
        }
        values.update(changes)
        pairs += [(key, value) for key, value in values.items() if value]
        pairs += [("segment", f"{name}:{value}") for name, value in sorted(self.segment.items())]
        return urlencode(pairs)


def read_filters(  # noqa: PLR0917 (FastAPI maps query parameters)
    since: Annotated[str | None, Query(max_length=20)] = None,
    until: Annotated[str | None, Query(max_length=20)] = None,
    channel: Annotated[str | None, Query(max_length=20)] = None,
    language: Annotated[str | None, Query(max_length=20)] = None,
    segment: Annotated[list[str] | None, Query(max_length=300)] = None,
    period: Annotated[str | None, Query(max_length=10)] = None,
    simulated: Annotated[str | None, Query(max_length=5)] = None,
) -> Filters:
    problems: list[str] = []
    first, last = _day(since, "From", problems), _day(until, "Until", problems)
    if first and last and first >= last:
        problems.append("Until must be after From; both were dropped.")
        first = last = None
    pairs: dict[str, str] = {}
    for item in segment or []:
        if not item:
            continue
        matched = SEGMENT.fullmatch(item)
        if matched is None:
            problems.append(f"Segment {item!r} is not NAME:VALUE; it was dropped.")
        else:
            pairs[matched["name"]] = matched["value"]
    return Filters(
        since=first,
        until=last,
        channel=_code(channel, "Channel", problems),
        language=_code(language, "Language", problems),
        segment=pairs,
        period=_period(period, problems),
        include_simulated=simulated in {"on", "1", "true"},
        problems=tuple(problems),
    )


WorkspaceFilters = Annotated[Filters, Depends(read_filters)]


def _day(value: str | None, name: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{name} {value!r} is not a date like 2026-01-31; it was dropped.")
        return None


def _code(value: str | None, name: str, problems: list[str]) -> str | None:
    if not value:
        return None
    if CODE.fullmatch(value):
        return value
    problems.append(f"{name} {value!r} is not a known code; it was dropped.")
    return None


def _period(value: str | None, problems: list[str]) -> Period | None:
    if not value:
        return None
    try:
        return Period(value)
    except ValueError:
        problems.append(f"Period {value!r} is not day, week or month; it was dropped.")
        return None
