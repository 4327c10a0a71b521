"""The optional LLM's wording of a reply, asked for with no lock held and no write transaction open.

A turn is taken under the conversation's lock (a row lock on PostgreSQL, the single writer on
SQLite). Waiting there for an LLM, up to its timeout, would stall every other conversation. So the
rules decide the reply once from a plain read, the LLM words it with nothing held, and the write
transaction then takes the turn as always: the LLM's text replaces the rules' wording only when
the conversation did not move meanwhile (the same stored state, so the same planned message).
Otherwise, and on any failure of the LLM, the rules' wording goes out in the same turn.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from askwhy import interview
from askwhy.domain.conversation import ConversationStatus, Inbound, InterviewState, Outbound, Turn
from askwhy.domain.guide import Guide
from askwhy.interview.llm import LLMClient, ask_wording, with_wording, wordable
from askwhy.store.tables import Conversation


@dataclass(frozen=True)
class LLMWording:
    """The port a turn uses to have its reply worded: an LLM client and how long a turn waits."""

    client: LLMClient
    """An OpenAI-compatible endpoint (`askwhy.llm`), or `interview.ScriptedLLM` in tests."""
    timeout: float
    """Seconds (``ASKWHY_LLM_TIMEOUT_SECONDS``); a later answer keeps the rules' wording."""


@dataclass(frozen=True)
class Wording:
    """The LLM's text for the message the rules planned from one stored conversation state."""

    state: Mapping[str, Any]
    planned: Outbound
    text: str

    def applied(self, turn: Turn, *, decided_from: Mapping[str, Any]) -> Turn:
        """``turn`` in the LLM's words if it was decided from the same state; else ``turn`` as is."""
        if decided_from != self.state or wordable(turn) != self.planned:
            return turn
        return with_wording(turn, self.text)


def word_reply(
    *,
    reads: sessionmaker[Session],
    guides: Mapping[str, Guide],
    llm: LLMWording | None,
    conversation_id: str,
    inbound: Inbound,
    now: datetime,
) -> Wording | None:
    """The LLM's wording of the reply to ``inbound``, decided from a read; None without an LLM.

    Without an LLM this returns at once: no query, no call. With one, the conversation is read
    outside any write transaction and the LLM is asked with no lock held; None whenever the
    reply has nothing the LLM may word, or the LLM fails, refuses, is late or is not acceptable.
    """
    if llm is None:
        return None
    seen = _seen_state(reads=reads, guides=guides, conversation_id=conversation_id)
    if seen is None:
        return None
    guide, state = seen
    turn = interview.next_turn(guide, InterviewState.from_dict(state), inbound, now)
    planned = wordable(turn)
    if planned is None:
        return None
    text = ask_wording(guide, turn, llm.client, timeout=llm.timeout)
    return None if text is None else Wording(state=state, planned=planned, text=text)


def _seen_state(
    *, reads: sessionmaker[Session], guides: Mapping[str, Guide], conversation_id: str
) -> tuple[Guide, dict[str, Any]] | None:
    """The guide and a copy of the stored state of an open, started conversation; None otherwise."""
    with reads.begin() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or not conversation.state:
            return None
        if not ConversationStatus(conversation.status).is_open:
            return None
        guide = guides.get(conversation.guide_id)
        return None if guide is None else (guide, copy.deepcopy(dict(conversation.state)))
