"""The conversation API used by the web chat and widget."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from askwhy import conversations
from askwhy.domain.conversation import Channel, Inbound
from askwhy.service.dependencies import ClockDep, GuidesDep, SessionsDep
from askwhy.service.schemas import ConversationOut, MessageOut, PostMessage, ReplyOut, StartConversation

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])


@router.post("", status_code=status.HTTP_201_CREATED)
def start(body: StartConversation, sessions: SessionsDep, guides: GuidesDep, clock: ClockDep) -> ReplyOut:
    guide = guides.get(body.program)
    if guide is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"program {body.program!r} does not exist")
    with sessions.begin() as session:
        reply = conversations.start_conversation(
            session=session,
            guide=guide,
            program=body.program,
            channel=Channel.WEB,
            language=body.language,
            now=clock.now(),
        )
    return ReplyOut.of(reply)


@router.get("/{conversation_id}")
def show(conversation_id: str, sessions: SessionsDep) -> ConversationOut:
    try:
        with sessions.begin() as session:
            conversation, messages = conversations.transcript(
                session=session, conversation_id=conversation_id
            )
    except conversations.ConversationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "conversation not found") from None
    return ConversationOut(
        id=conversation.id,
        program=conversation.program,
        status=conversation.status,
        language=conversation.language,
        messages=[
            MessageOut(seq=m.seq, direction=m.direction, text=m.text, question=m.question, choices=m.choices)
            for m in messages
        ],
    )


@router.post("/{conversation_id}/messages")
def post_message(
    conversation_id: str, body: PostMessage, sessions: SessionsDep, guides: GuidesDep, clock: ClockDep
) -> ReplyOut:
    try:
        with sessions.begin() as session:
            reply = conversations.receive_message(
                session=session,
                guides=guides,
                conversation_id=conversation_id,
                inbound=Inbound(text=body.text, choice_id=body.choice_id),
                channel=Channel.WEB,
                provider_message_id=f"{conversation_id}:{body.client_message_id}"
                if body.client_message_id
                else None,
                now=clock.now(),
            )
    except conversations.ConversationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "conversation not found") from None
    except conversations.GuideUnavailable as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"guide {exc} is no longer available") from None
    return ReplyOut.of(reply)


def _client_message_key(conversation_id: str, client_message_id: str | None) -> str | None:
    # Client ids are only unique within a conversation; the store's key is unique per channel.
    return f"{conversation_id}:{client_message_id}" if client_message_id else None
