"""The interviewer: a pure function from (guide, state, customer reply, time) to the next turn.

``open_conversation`` starts a conversation and ``next_turn`` answers each reply (or a timer check
with no reply). Both are deterministic and do no I/O, so they run the same in a webhook, a worker
or a test. The rules backend (``askwhy.interview.rules``) decides every turn.
"""

from __future__ import annotations

from askwhy.interview.rules import next_turn, open_conversation

__all__ = ["next_turn", "open_conversation"]
