"""Which responses a question is about: program, channel, segment values and a time window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time

from askwhy.store.response_filters import ResponseQuery, narrowed


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

    def apply(self, query: ResponseQuery) -> ResponseQuery:
        """The query restricted to this selection (it must select from or join ``responses``): the
        ``restrict`` every store query about responses takes."""
        return narrowed(
            query,
            program=self.program,
            channel=self.channel,
            language=self.language,
            responded_from=start_of(self.since) if self.since else None,
            responded_before=start_of(self.until) if self.until else None,
            segment=self.segment,
            include_simulated=self.include_simulated,
        )

    def narrowed(self, *, since: date | None, until: date | None) -> Selection:
        """The same selection within [since, until)."""
        return replace(self, since=since, until=until)


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of a day."""
    return datetime.combine(day, time.min, tzinfo=UTC)
