"""``GET /v1/transcripts/{id}``: a conversation's raw transcript, on any channel, for systems.

Raw customer text (card and phone numbers included) leaves askwhy only here, to an API key with
the ``transcripts:read`` scope; every read is logged with the key, never with the text. A key
limited to some programs reads only their conversations: another's is "conversation not found".
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, status

from askwhy import conversations
from askwhy.service.auth import TranscriptReader
from askwhy.service.dependencies import SessionsDep
from askwhy.service.key_programs import KeyReach
from askwhy.service.schemas import TranscriptOut

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/transcripts", tags=["transcripts"])


@router.get("/{conversation_id}")
def read_transcript(conversation_id: str, key: TranscriptReader, sessions: SessionsDep) -> TranscriptOut:
    try:
        with sessions.begin() as session:
            conversation, messages = conversations.transcript(
                session=session, conversation_id=conversation_id
            )
            KeyReach.of(key).require(conversation.program, not_found="conversation not found")
            shown = TranscriptOut.of(conversation, messages)
    except conversations.ConversationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "conversation not found") from None
    log.info("raw transcript read: conversation=%s key=%s", conversation_id, key.id)
    return shown
