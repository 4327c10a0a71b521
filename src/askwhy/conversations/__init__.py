"""Conversation use cases: start one, take a customer's message, close idle ones.

Each function runs inside the caller's transaction; the interviewer itself is pure, and this
package is where its decisions meet the store.
"""

from askwhy.conversations.closing import close_if_idle, end_conversation, idle_candidates, transcript
from askwhy.conversations.records import (
    CLOSE_THE_LOOP_QUESTION,
    RESPONSES_CLOSED,
    ConversationNotFound,
    GuideUnavailable,
    Reply,
    SentMessage,
)
from askwhy.conversations.starting import open_started, start_conversation
from askwhy.conversations.turns import receive_message, store_inbound, take_turn
from askwhy.conversations.wording import LLMWording, Wording, word_reply

__all__ = [
    "CLOSE_THE_LOOP_QUESTION",
    "RESPONSES_CLOSED",
    "ConversationNotFound",
    "GuideUnavailable",
    "LLMWording",
    "Reply",
    "SentMessage",
    "Wording",
    "close_if_idle",
    "end_conversation",
    "idle_candidates",
    "open_started",
    "receive_message",
    "start_conversation",
    "store_inbound",
    "take_turn",
    "transcript",
    "word_reply",
]
