"""Which responses a question is about: program, channel, segment values and a time window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select

from askwhy.store.tables import Response


@dataclass(frozen=True)
class Selection:
    """A filter over responses; empty means all of them. ``until`` is exclusive."""

    program: str | None = None
    channel: str | None = None
    since: date | None = None
    until: date | None = None
    segment: Mapping[str, str] = field(default_factory=dict)

    def apply(self, query: Select[Any]) -> Select[Any]:
        """The query restricted to this selection (it must select from or join ``responses``)."""
        if self.program:
            query = query.where(Response.program == self.program)
        if self.channel:
            query = query.where(Response.channel == self.channel)
        if self.since:
            query = query.where(Response.responded_at >= start_of(self.since))
        if self.until:
            query = query.where(Response.responded_at < start_of(self.until))
        for key, value in self.segment.items():
            query = query.where(Response.segment[key].as_string() == value)
        return query

    def narrowed(self, *, since: date | None, until: date | None) -> Selection:
        """The same selection within [since, until)."""
        return Selection(self.program, self.channel, since, until, dict(self.segment))


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of a day."""
    return datetime.combine(day, time.min, tzinfo=UTC)
