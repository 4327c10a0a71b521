"""Who a program heard: its invitation funnel per channel, language, moment and segment attribute.

Each invitation carries its channel, language and moment, and every attribute its moment's event
gave (plan, region, order value band…). An attribute with more distinct values than
``max_values`` (an order number, a first name) is no segment: it is left out and named, so the
answer stays a table a person can read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from askwhy.analysis.segment_funnel import FunnelBySegment, InvitationOutcome, funnel_by_segment
from askwhy.domain.conversation import ConversationStatus
from askwhy.insights.selection import start_of
from askwhy.store.invitation_outcomes import InvitationRow, OutcomeCount, invitation_outcome_counts

MAX_SEGMENT_VALUES = 50
BUILT_IN = ("channel", "language", "moment")
"""Attributes every invitation has, whatever its event carried."""


class NoInvitations(LookupError):
    """The program invited nobody in the period asked about."""


@dataclass(frozen=True)
class ProgramSegmentFunnel:
    program: str
    funnel: FunnelBySegment
    attributes: tuple[str, ...]
    """The attributes broken down, built-in ones first."""
    skipped: tuple[str, ...]
    """Attributes with too many distinct values to be segments."""


def invitation_attributes(row: InvitationRow | OutcomeCount) -> dict[str, str]:
    """An invitation's segment attributes: its event's, then channel, language and moment."""
    values = {str(k): str(v) for k, v in row.attributes.items() if v is not None and str(v) != ""}
    values.update(channel=row.channel, language=row.language)
    if row.moment:
        values["moment"] = row.moment
    return values


def segment_funnel(
    *,
    session: Session,
    program: str,
    since: date | None = None,
    until: date | None = None,
    include_simulated: bool = False,
    max_values: int = MAX_SEGMENT_VALUES,
) -> ProgramSegmentFunnel:
    """The funnel of ``program``'s invitations sent in [since, until), overall and per segment, from
    the invitations counted by outcome and attributes."""
    rows = invitation_outcome_counts(
        session=session,
        program=program,
        since=start_of(since) if since else None,
        until=start_of(until) if until else None,
        include_simulated=include_simulated,
    )
    if not rows:
        raise NoInvitations(f"program {program!r} has no invitations in this period")
    outcomes = [
        InvitationOutcome(
            status=ConversationStatus(row.status),
            replied=row.replied,
            delivered=row.delivered,
            attributes=invitation_attributes(row),
            count=row.invitations,
        )
        for row in rows
    ]
    kept, skipped = _segments([o.attributes for o in outcomes], max_values=max_values)
    return ProgramSegmentFunnel(
        program=program,
        funnel=funnel_by_segment(outcomes, attributes=kept),
        attributes=tuple(kept),
        skipped=tuple(skipped),
    )


def _segments(records: list[Mapping[str, str]], *, max_values: int) -> tuple[list[str], list[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for record in records:
        for name, value in record.items():
            seen[name].add(value)
    extra = sorted(name for name in seen if name not in BUILT_IN)
    names = [name for name in BUILT_IN if name in seen] + extra
    kept = [name for name in names if name in BUILT_IN or len(seen[name]) <= max_values]
    return kept, [name for name in names if name not in kept]
