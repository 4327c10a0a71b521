"""Which responses a question is about: program, channel, segment values and a time window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select

from askwhy.store.tables import Response


@dataclass(frozen=True)
class Selection:
    """A filter over responses; empty means every real one. ``until`` is exclusive.

    Simulated responses (demo data, `askwhy simulate`) are left out unless ``include_simulated``:
    a figure about customers counts customers."""

    program: str | None = None
    channel: str | None = None
    since: date | None = None
    until: date | None = None
    segment: Mapping[str, str] = field(default_factory=dict)
    include_simulated: bool = False
    language: str | None = None

    @property
    def simulated(self) -> str:
        """What became of simulated responses, as every answer says it: included or excluded."""
        return "included" if self.include_simulated else "excluded"

    def apply(self, query: Select[Any]) -> Select[Any]:
        """The query restricted to this selection (it must select from or join ``responses``)."""
        if not self.include_simulated:
            query = query.where(Response.simulated.is_(False))
        if self.program:
            query = query.where(Response.program == self.program)
        if self.channel:
            query = query.where(Response.channel == self.channel)
        if self.language:
            query = query.where(Response.language == self.language)
        if self.since:
            query = query.where(Response.responded_at >= start_of(self.since))
        if self.until:
            query = query.where(Response.responded_at < start_of(self.until))
        for key, value in self.segment.items():
            query = query.where(Response.segment[key].as_string() == value)
        return query

    def narrowed(self, *, since: date | None, until: date | None) -> Selection:
        """The same selection within [since, until)."""
        return replace(self, since=since, until=until)


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of a day."""
    return datetime.combine(day, time.min, tzinfo=UTC)
