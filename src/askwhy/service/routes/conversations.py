"""The conversation API used by the web chat and widget.

Starting a conversation answers with its conversation token; reading and answering it need that
token as ``Authorization: Bearer <token>`` (`askwhy.service.conversation_tokens`). Without it, or
for a conversation on another channel, the answer is 404, as for one that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy.orm import Session

from askwhy import conversations
from askwhy.cases import customer_replies
from askwhy.domain.conversation import Channel, ConversationStatus, Inbound
from askwhy.service import conversation_tokens
from askwhy.service.auth import WebChatConversation
from askwhy.service.dependencies import ClockDep, ContainerDep, GuidesDep, SessionsDep
from askwhy.service.rate_limits import ChatMessageLimit, ChatRequestLimit, ConversationStartLimit
from askwhy.service.schemas import ConversationOut, PostMessage, ReplyOut, StartConversation, StartedOut
from askwhy.store.tables import Conversation

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])
NOT_FOUND = "conversation not found"


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[ConversationStartLimit])
def start(body: StartConversation, container: ContainerDep, guides: GuidesDep) -> StartedOut:
    guide = guides.get(body.program)
    if guide is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"program {body.program!r} does not exist")
    now = container.clock.now()
    with container.sessions.begin() as session:
        reply = conversations.start_conversation(
            session=session,
            guide=guide,
            program=body.program,
            channel=Channel.WEB,
            language=body.language,
            now=now,
        )
    token = conversation_tokens.issue(
        secret_key=container.settings.secret_key.get_secret_value(),
        conversation_id=reply.conversation_id,
        now=now,
    )
    return StartedOut.started(reply, token=token)


@router.get("/{conversation_id}", dependencies=[ChatRequestLimit])
def show(conversation_id: WebChatConversation, sessions: SessionsDep) -> ConversationOut:
    try:
        with sessions.begin() as session:
            conversation, messages = conversations.transcript(
                session=session, conversation_id=conversation_id
            )
            _reachable(conversation)
            shown = ConversationOut.of(conversation, messages)
            shown.takes_answers = _takes_answers(session, conversation)
            return shown
    except conversations.ConversationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from None


@router.post("/{conversation_id}/messages", dependencies=[ChatRequestLimit, ChatMessageLimit])
def post_message(
    conversation_id: WebChatConversation,
    body: PostMessage,
    container: ContainerDep,
    guides: GuidesDep,
    clock: ClockDep,
) -> ReplyOut:
    now, inbound = clock.now(), Inbound(text=body.text, choice_id=body.choice_id)
    wording = conversations.word_reply(  # before the transaction: no lock is held while the LLM works
        reads=container.reads,
        guides=guides,
        llm=container.llm,
        conversation_id=conversation_id,
        inbound=inbound,
        now=now,
    )
    try:
        with container.sessions.begin() as session:
            conversation = _reachable(session.get(Conversation, conversation_id))
            if not conversation_tokens.answerable(conversation) and not _takes_answers(session, conversation):
                raise HTTPException(status.HTTP_409_CONFLICT, "this conversation has ended; it is read-only")
            reply = conversations.receive_message(
                session=session,
                guides=guides,
                conversation_id=conversation_id,
                inbound=inbound,
                channel=Channel.WEB,
                provider_message_id=_client_message_key(conversation_id, body.client_message_id),
                now=now,
                wording=wording,
            )
    except conversations.ConversationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from None
    except conversations.GuideUnavailable as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"guide {exc} is no longer available") from None
    out = ReplyOut.of(reply)
    if not ConversationStatus(reply.status).is_open:  # read once the case has heard the message
        with container.reads() as session:
            out.takes_answers = customer_replies.awaits_customer(
                session=session, conversation_id=conversation_id
            )
    return out


def _takes_answers(session: Session, conversation: Conversation) -> bool:
    """An ended conversation still takes the customer's answers while a case of it waits for them."""
    if conversation_tokens.answerable(conversation):
        return False
    return customer_replies.awaits_customer(session=session, conversation_id=conversation.id)


def _reachable(conversation: Conversation | None) -> Conversation:
    if conversation is None or not conversation_tokens.reachable(conversation):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return conversation


def _client_message_key(conversation_id: str, client_message_id: str | None) -> str | None:
    # Client ids are only unique within a conversation; the store's key is unique per channel.
    return f"{conversation_id}:{client_message_id}" if client_message_id else None
