"""The invited → started → completed funnel."""

from __future__ import annotations

from datetime import datetime

import pytest

from askwhy.domain.conversation import ConversationStatus as S
from askwhy.domain.funnel import ConversationProgress, funnel

REPLIED = datetime(2024, 5, 6, 12, 1)


def test_funnel_counts_and_rates() -> None:
    conversations = [
        ConversationProgress(S.INVITED),
        ConversationProgress(S.INVITED),
        ConversationProgress(S.FAILED),
        ConversationProgress(S.ABANDONED),  # never replied
        ConversationProgress(S.ABANDONED, started_at=REPLIED),
        ConversationProgress(S.OPTED_OUT, started_at=REPLIED),
        ConversationProgress(S.ACTIVE),
        ConversationProgress(S.COMPLETED, started_at=REPLIED),
        ConversationProgress(S.COMPLETED),
        ConversationProgress(S.COMPLETED),
    ]
    result = funnel(conversations)
    # invited 10; started: abandoned-after-reply, opted out, active, 3 completed = 6; completed 3
    assert (result.invited, result.started, result.completed) == (10, 6, 3)
    assert result.start_rate == pytest.approx(0.6)
    assert result.completion_rate == pytest.approx(0.5)
    assert result.response_rate == pytest.approx(0.3)
    assert result.by_status[S.ABANDONED] == 2
    assert sum(result.by_status.values()) == 10


def test_empty_funnel_has_no_rates() -> None:
    result = funnel([])
    assert (result.invited, result.start_rate, result.completion_rate, result.response_rate) == (
        0,
        None,
        None,
        None,
    )
