"""The question budget: a guide's ``limits.max_questions`` is never exceeded.

Every message that asks something counts, the score question and its one re-ask included. When a
detractor may be offered a follow-up (close the loop), one question is kept back for that offer.
"""

from __future__ import annotations

from askwhy.domain.conversation import InterviewState
from askwhy.domain.guide import Guide
from askwhy.domain.scales import Band, band_for


def has_room(guide: Guide, state: InterviewState, *, keep: int = 0) -> bool:
    """True when one more question fits, with ``keep`` questions still left after it."""
    return state.questions_asked + 1 + keep <= guide.limits.max_questions


def may_offer_close_the_loop(guide: Guide, state: InterviewState) -> bool:
    """True for a detractor who has not yet been offered a follow-up, when the guide offers one."""
    return (
        guide.close_the_loop is not None
        and band_for(guide.metric, state.score) is Band.DETRACTOR
        and state.close_the_loop is None
        and state.last_question != "close_the_loop"
    )


def kept_back(guide: Guide, state: InterviewState) -> int:
    """Questions to keep back from probing: one for the close-the-loop offer, when it will come."""
    return 1 if may_offer_close_the_loop(guide, state) else 0
