"""Recorded answers on a call: stored as the caller's voice message, heard on a worker, replied to.

With ``ASKWHY_VOICE_TRANSCRIPTION=recorded`` a question answered in the caller's own words is
recorded instead of gathered. Once the provider says the recording can be downloaded,
`record_answer` stores it under ``<call id>:<turn>`` as an audio message of the conversation and
queues its turn, exactly like a voice note: a worker downloads and transcribes it
(`askwhy.conversations.voice_notes`), and the interviewer answers the words. Meanwhile the call
holds and asks `recorded_reply` every second whether that answer has been replied to; a recording
that could not be heard is asked for again, in the conversation's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.conversations.voice_calls import Prompt, spoken
from askwhy.conversations.voice_notes import AUDIO
from askwhy.domain.conversation import Channel, ConversationStatus
from askwhy.queue.jobs import Jobs
from askwhy.store import conversations as conversation_queries
from askwhy.store import messaging as queries
from askwhy.store.tables import Conversation, Message

NOT_HEARD = {
    "en": "Sorry, I couldn't make that out. Could you say it again?",
    "es": "Perdona, no he podido entenderlo. ¿Puedes repetirlo?",
}


@dataclass(frozen=True)
class Recording:
    """A recorded answer as the provider announced it."""

    call_id: str
    turn: int
    url: str | None
    """Where the file is downloaded from; None when the provider has none (nothing was said)."""
    seconds: int | None = None


def record_answer(
    *, session: Session, jobs: Jobs, conversation_id: str, recording: Recording, now: datetime
) -> bool:
    """Store the recorded answer to question ``turn`` once and queue its turn; False when it was
    already stored (the provider's retry) or the conversation is closed or gone."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not ConversationStatus(conversation.status).is_open:
        return False
    if session.get_bind().dialect.name != "sqlite":
        conversation_queries.lock_conversation_id(session=session, conversation_id=conversation_id)
    payload: dict[str, object] = {
        "received_at": now.isoformat(),
        "media_id": recording.url or "",
        "recording": {"call": recording.call_id, "turn": recording.turn, "seconds": recording.seconds},
    }
    stored = queries.insert_inbound(
        session=session,
        values={
            "conversation_id": conversation_id,
            "direction": "in",
            "channel": Channel.VOICE.value,
            "text": "",
            "media_type": AUDIO,
            "provider_message_id": answer_id(recording.call_id, recording.turn),
            "status": "received",
            "created_at": now,
            "choices": [],
            "payload": payload,
        },
    )
    if stored is not None:
        jobs.nudge_after_commit(session, "process_inbound")
    return stored is not None


def answer_id(call_id: str, turn: int) -> str:
    """The provider message id of the answer to question ``turn`` (as a gathered answer's)."""
    return f"{call_id}:{turn}"


def recorded_reply(*, session: Session, conversation_id: str, call_id: str, turn: int) -> Prompt | None:
    """What to say now that the recorded answer to ``turn`` was replied to; None while it waits.

    The reply is everything said after the answer (the closing too, when it was the last one). An
    answer that could not be heard (silence, doubt, a failed download) is asked for again.
    """
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        return Prompt(conversation_id=None)
    transcript = conversation_queries.transcript(session=session, conversation_id=conversation_id)
    answer = next((m for m in transcript if m.provider_message_id == answer_id(call_id, turn)), None)
    if answer is None or answer.processed_at is None:
        return None
    after = [m for m in transcript if m.seq > answer.seq and m.direction == "out"]
    listening = ConversationStatus(conversation.status).is_open
    if answer.media_type == AUDIO and listening:
        question = _question(transcript, answer)
        return _ask_again(conversation, question=question, turn=after[-1].seq if after else turn)
    return Prompt(
        conversation_id=conversation.id,
        language=conversation.language,
        texts=tuple(spoken(m.text, m.choices) for m in after),
        turn=after[-1].seq if after else turn,
        listening=listening,
        open_answer=bool(after) and not after[-1].choices,
    )


def language_of(*, session: Session, conversation_id: str) -> str:
    """The language the conversation is held in (English for one that is gone)."""
    conversation = session.get(Conversation, conversation_id)
    return conversation.language if conversation is not None else "en"


def _question(transcript: Sequence[Message], answer: Message) -> list[Message]:
    """The messages said between the customer's previous message and this answer."""
    said: list[Message] = []
    for message in transcript:
        if message.seq >= answer.seq:
            break
        said = [*said, message] if message.direction == "out" else []
    return said


def _ask_again(conversation: Conversation, *, question: list[Message], turn: int) -> Prompt:
    """The question once more, after saying it was not heard (the interviewer's own reply to an
    unheard voice message asks to type, which a caller cannot)."""
    sorry = NOT_HEARD.get(conversation.language, NOT_HEARD["en"])
    return Prompt(
        conversation_id=conversation.id,
        language=conversation.language,
        texts=(sorry, *(spoken(m.text, m.choices) for m in question)),
        turn=turn,
        listening=True,
        open_answer=bool(question) and not question[-1].choices,
    )
