"""Request and response bodies of the public API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from askwhy.conversations import Reply


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


class ReplyOut(BaseModel):
    conversation_id: str
    status: str
    duplicate: bool = False
    messages: list[MessageOut]

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
