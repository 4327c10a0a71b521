"""The invited → started → completed funnel of feedback conversations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from askwhy.domain.conversation import ConversationStatus


@dataclass(frozen=True)
class ConversationProgress:
    """What the funnel needs to know of one conversation."""

    status: ConversationStatus
    invited_at: datetime | None = None
    started_at: datetime | None = None
    """When the customer first replied."""
    completed_at: datetime | None = None


@dataclass(frozen=True)
class Funnel:
    """Counts and rates; a rate is None when its denominator is zero."""

    invited: int
    started: int
    completed: int
    by_status: dict[ConversationStatus, int]

    @property
    def start_rate(self) -> float | None:
        """Started / invited."""
        return _rate(self.started, self.invited)

    @property
    def completion_rate(self) -> float | None:
        """Completed / started: how many who began a conversation finished it."""
        return _rate(self.completed, self.started)

    @property
    def response_rate(self) -> float | None:
        """Completed / invited."""
        return _rate(self.completed, self.invited)


def funnel(conversations: Iterable[ConversationProgress]) -> Funnel:
    """Count every conversation as invited; as started once the customer replied (a start time, or a
    status that needs a reply: active or completed); as completed when its status is completed."""
    invited = started = completed = 0
    statuses: Counter[ConversationStatus] = Counter()
    for conversation in conversations:
        statuses[conversation.status] += 1
        invited += 1
        reached_completion = conversation.status == ConversationStatus.COMPLETED
        replied = conversation.started_at is not None or conversation.status == ConversationStatus.ACTIVE
        started += reached_completion or replied
        completed += reached_completion
    return Funnel(invited, started, completed, {s: statuses[s] for s in ConversationStatus})


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None
