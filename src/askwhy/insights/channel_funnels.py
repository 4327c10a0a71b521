"""The invited → started → completed funnel of one program, overall and for each channel.

A funnel counts conversations, not responses: imported feedback has none, and segment values
belong to responses, so a segment filter does not narrow it (the page says so).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from askwhy.domain.conversation import ConversationStatus
from askwhy.domain.funnel import ConversationProgress, Funnel, funnel
from askwhy.insights.selection import Selection, start_of
from askwhy.store.overview_counts import ConversationRow, conversation_rows


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
    simulated switch applied."""
    if not selection.program:
        raise ValueError("program: a funnel is drawn for one program")
    rows = conversation_rows(
        session=session,
        program=selection.program,
        channel=selection.channel,
        language=selection.language,
        since=start_of(selection.since) if selection.since else None,
        until=start_of(selection.until) if selection.until else None,
        include_simulated=selection.include_simulated,
    )
    per_channel: dict[str, list[ConversationProgress]] = defaultdict(list)
    for row in rows:
        per_channel[row.channel].append(_progress(row))
    channels = [ChannelFunnel(name, funnel(items)) for name, items in per_channel.items()]
    channels.sort(key=lambda c: (-c.funnel.invited, c.channel))
    return ProgramFunnel(overall=funnel(_progress(row) for row in rows), by_channel=channels)


def _progress(row: ConversationRow) -> ConversationProgress:
    return ConversationProgress(
        status=ConversationStatus(row.status), invited_at=row.invited_at, started_at=row.first_reply_at
    )
