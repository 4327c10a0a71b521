"""Request and response bodies of the public API."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, Field

from askwhy.conversations import Reply
from askwhy.store.tables import Conversation, Message


class StartConversation(BaseModel):
    program: str = Field(description="The program (guide) id, e.g. post-checkout.")
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$", description="Preferred language.")


class PostMessage(BaseModel):
    text: str = Field(max_length=5000, description="What the customer typed.")
    choice_id: str | None = Field(default=None, max_length=100, description="Id of a tapped quick reply.")
    client_message_id: str | None = Field(
        default=None, max_length=100, description="Set by the client; a retry with the same id is ignored."
    )


class MessageOut(BaseModel):
    seq: int
    direction: str
    text: str
    question: str | None = None
    choices: list[dict[str, str]] = Field(default_factory=list)


class ConversationOut(BaseModel):
    id: str
    program: str
    status: str
    language: str
    messages: list[MessageOut]
    takes_answers: bool = Field(
        default=False,
        description="The customer may write after the interview ended: a case of the conversation is "
        "waiting for their answer (or its follow-up question's).",
    )

    @classmethod
    def of(cls, conversation: Conversation, messages: Iterable[Message]) -> ConversationOut:
        return cls(
            id=conversation.id,
            program=conversation.program,
            status=conversation.status,
            language=conversation.language,
            messages=[
                MessageOut(
                    seq=m.seq, direction=m.direction, text=m.text, question=m.question, choices=m.choices
                )
                for m in messages
            ],
        )


class TranscriptOut(ConversationOut):
    """A conversation's raw transcript, on any channel, for a system holding ``transcripts:read``."""

    channel: str
    started_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, conversation: Conversation, messages: Iterable[Message]) -> TranscriptOut:
        shown = ConversationOut.of(conversation, messages)
        return cls(
            **shown.model_dump(),
            channel=conversation.channel,
            started_at=conversation.started_at,
            ended_at=conversation.ended_at,
        )


class ReplyOut(BaseModel):
    conversation_id: str
    status: str
    duplicate: bool = False
    messages: list[MessageOut]
    takes_answers: bool = Field(
        default=False,
        description="The customer may write after the interview ended: a case of the conversation is "
        "waiting for their answer (or its follow-up question's).",
    )

    @classmethod
    def of(cls, reply: Reply) -> ReplyOut:
        return cls(
            conversation_id=reply.conversation_id,
            status=reply.status,
            duplicate=reply.duplicate,
            messages=[
                MessageOut(seq=m.seq, direction="out", text=m.text, question=m.question, choices=m.choices)
                for m in reply.messages
            ],
        )


class StartedOut(ReplyOut):
    token: str = Field(
        description="The conversation token: send it as `Authorization: Bearer <token>` to read and "
        "answer this conversation. It is the only way back to it; keep it with the conversation id."
    )

    @classmethod
    def started(cls, reply: Reply, *, token: str) -> StartedOut:
        return cls(**ReplyOut.of(reply).model_dump(), token=token)
