"""The interviewer: a pure function from (guide, state, customer reply, time) to the next turn.

``open_conversation`` starts a conversation and ``next_turn`` answers each reply (or a timer check
with no reply). Both are deterministic and do no I/O, so they run the same in a webhook, a worker
or a test. The rules backend (``askwhy.interview.rules``) decides every turn; an optional LLM
client may word the follow-up questions more naturally (``askwhy.interview.llm``).
"""

from __future__ import annotations

from datetime import datetime

from askwhy.domain.conversation import Inbound, InterviewState, Turn
from askwhy.domain.guide import Guide
from askwhy.interview import rules
from askwhy.interview.alert_probe import ExtraProbe, with_extra_probe
from askwhy.interview.llm import DEFAULT_TIMEOUT_SECONDS, LLMClient, ScriptedLLM, reword_follow_up
from askwhy.interview.rules import open_conversation

__all__ = ["ExtraProbe", "LLMClient", "ScriptedLLM", "next_turn", "open_conversation"]


def next_turn(
    guide: Guide,
    state: InterviewState,
    inbound: Inbound | None,
    now: datetime,
    *,
    llm: LLMClient | None = None,
    llm_timeout: float = DEFAULT_TIMEOUT_SECONDS,
    extra_probe: ExtraProbe | None = None,
) -> Turn:
    """Take the turn after a customer reply, or after a timer check when ``inbound`` is None.

    Without ``llm`` the turn is pure and deterministic. With it, a probe question may be reworded
    by the LLM; any failure keeps the rules' wording in the same turn. ``extra_probe``, an open
    alert's question, is asked when the guide has room for it (`askwhy.interview.alert_probe`).
    """
    turn = rules.next_turn(guide, state, inbound, now)
    turn = with_extra_probe(guide, state, inbound, turn, extra_probe)
    return reword_follow_up(guide, turn, llm, timeout=llm_timeout) if llm is not None else turn
