"""The invited → started → completed funnel of one program, overall and for each channel.

A funnel counts conversations, not responses: imported feedback has none, and segment values
belong to responses, so a segment filter does not narrow it (the page says so).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from askwhy.domain.conversation import ConversationStatus
from askwhy.domain.funnel import ConversationProgress, Funnel, funnel
from askwhy.insights.selection import Selection, start_of
from askwhy.store.overview_counts import ProgressCount, conversation_progress_counts

_REPLIED = datetime(1970, 1, 1, tzinfo=UTC)
"""Stands for the time of a first reply: the funnel asks only whether there was one."""


STARTED_WITHOUT_REPLY = (ConversationStatus.COMPLETED, ConversationStatus.ACTIVE)
"""Statuses `domain.funnel` counts as started whatever the first reply: the store need not look
for one (checked by `_counted`, which asks the domain for every group all the same)."""


@dataclass(frozen=True)
class ChannelFunnel:
    channel: str
    funnel: Funnel


@dataclass(frozen=True)
class ProgramFunnel:
    overall: Funnel
    by_channel: list[ChannelFunnel]
    """Largest channel (most invited) first."""


def program_funnel(*, session: Session, selection: Selection) -> ProgramFunnel:
    """The funnel of ``selection.program`` with the selection's channel, language, dates and
    simulated switch applied, from conversations counted per channel, status and reply."""
    if not selection.program:
        raise ValueError("program: a funnel is drawn for one program")
    groups = conversation_progress_counts(
        session=session,
        program=selection.program,
        channel=selection.channel,
        language=selection.language,
        since=start_of(selection.since) if selection.since else None,
        until=start_of(selection.until) if selection.until else None,
        include_simulated=selection.include_simulated,
        replied_when=[s.value for s in STARTED_WITHOUT_REPLY],
    )
    per_channel: dict[str, list[ProgressCount]] = defaultdict(list)
    for group in groups:
        per_channel[group.channel].append(group)
    channels = [ChannelFunnel(name, _counted(items)) for name, items in per_channel.items()]
    channels.sort(key=lambda c: (-c.funnel.invited, c.channel))
    return ProgramFunnel(overall=_counted(groups), by_channel=channels)


def _counted(groups: list[ProgressCount]) -> Funnel:
    """The funnel of counted conversations: each group weighs as its conversations would, one by one,
    so `domain.funnel` stays the one place that says what started and completed mean."""
    invited = started = completed = 0
    statuses: Counter[ConversationStatus] = Counter()
    for group in groups:
        status = ConversationStatus(group.status)
        one = funnel([ConversationProgress(status=status, started_at=_REPLIED if group.replied else None)])
        invited += group.conversations
        started += one.started * group.conversations
        completed += one.completed * group.conversations
        statuses[status] += group.conversations
    return Funnel(invited, started, completed, {s: statuses[s] for s in ConversationStatus})
