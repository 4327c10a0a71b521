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
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from askwhy import interview
from askwhy.domain.conversation import ConversationStatus, Inbound, InterviewState, Outbound, Turn
from askwhy.domain.guide import Guide
from askwhy.interview.llm import LLMClient, ask_wording, with_wording, wordable
from askwhy.store import messaging as message_queries
from askwhy.store.messaging import Unprocessed
from askwhy.store.tables import Conversation

MAX_AT_ONCE = 8
"""LLM calls one batch of waiting conversations makes at the same time, so a batch waits about one
timeout, not one per conversation, without flooding a local model server."""


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
    with reads.begin() as session:
        seen = _seen_state(session=session, guides=guides, conversation_id=conversation_id)
    return None if seen is None else _worded(*seen, llm=llm, inbound=inbound, now=now)


def word_waiting(
    *,
    reads: sessionmaker[Session],
    guides: Mapping[str, Guide],
    llm: LLMWording | None,
    conversation_ids: Sequence[str],
    now: datetime,
) -> dict[int, Wording]:
    """The LLM's wordings of the replies to waiting messages, by message id; {} without an LLM.

    Only each conversation's oldest waiting message is worded: the state any later one is
    answered from does not exist yet. The calls run side by side (`MAX_AT_ONCE`), with no lock held.
    """
    if llm is None or not conversation_ids:
        return {}
    with reads.begin() as session:
        pending = message_queries.unprocessed_inbound(session=session, conversation_ids=conversation_ids)
        firsts = {m.conversation_id: m for m in reversed(pending)}  # each conversation's oldest
        seen = {
            m.id: found
            for m in firsts.values()
            if (found := _seen_state(session=session, guides=guides, conversation_id=m.conversation_id))
        }
    if not seen:
        return {}
    messages = {m.id: m for m in firsts.values()}

    def word(message_id: int) -> Wording | None:
        guide, state = seen[message_id]
        return _worded(guide, state, llm=llm, inbound=stored_inbound(messages[message_id]), now=now)

    with ThreadPoolExecutor(max_workers=min(MAX_AT_ONCE, len(seen))) as pool:
        worded = dict(zip(seen, pool.map(word, seen), strict=True))
    return {message_id: wording for message_id, wording in worded.items() if wording is not None}


def stored_inbound(message: Unprocessed) -> Inbound:
    """The interviewer's view of a stored customer message."""
    choice = message.payload.get("choice_id")
    return Inbound(
        text=message.text, media_type=message.media_type, choice_id=None if choice is None else str(choice)
    )


def _worded(
    guide: Guide, state: dict[str, Any], *, llm: LLMWording, inbound: Inbound, now: datetime
) -> Wording | None:
    """Decide the reply from ``state`` with the rules, and have the LLM word it if it may."""
    turn = interview.next_turn(guide, InterviewState.from_dict(state), inbound, now)
    planned = wordable(turn)
    if planned is None:
        return None
    text = ask_wording(guide, turn, llm.client, timeout=llm.timeout)
    return None if text is None else Wording(state=state, planned=planned, text=text)


def _seen_state(
    *, session: Session, guides: Mapping[str, Guide], conversation_id: str
) -> tuple[Guide, dict[str, Any]] | None:
    """The guide and a copy of the stored state of an open, started conversation; None otherwise."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not conversation.state:
        return None
    if not ConversationStatus(conversation.status).is_open:
        return None
    guide = guides.get(conversation.guide_id)
    return None if guide is None else (guide, copy.deepcopy(dict(conversation.state)))
