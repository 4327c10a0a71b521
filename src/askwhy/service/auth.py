"""Who may call a route: API keys with scopes (``EventsWriter``, ``Reader``, ``CustomerEraser``,
``TranscriptReader``, ``AlertsWriter``, ``CasesWriter``) for systems, a conversation token
(``WebChatConversation``) for a customer's browser."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, HTTPException, status

from askwhy.service import api_keys, conversation_tokens
from askwhy.service.dependencies import ClockDep, ContainerDep, SessionsDep
from askwhy.store.api_tables import ApiKey


def _presented(authorization: str | None, x_api_key: str | None) -> str | None:
    if x_api_key:
        return x_api_key
    return _bearer(authorization)


def require(scope: str) -> object:
    """A dependency that returns the request's API key if it has ``scope`` (401/403 otherwise)."""

    def check(
        sessions: SessionsDep,
        clock: ClockDep,
        authorization: Annotated[str | None, Header()] = None,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> ApiKey:
        presented = _presented(authorization, x_api_key)
        try:
            with sessions.begin() as session:
                return api_keys.authenticate(
                    session=session, presented=presented, scope=scope, now=clock.now()
                )
        except api_keys.InvalidKey as exc:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}
            ) from None
        except api_keys.MissingScope as exc:
            raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None

    return Depends(check)


EventsWriter = Annotated[ApiKey, require("events:write")]
READ = require("read")
"""The ``read`` check itself, for a router's ``dependencies``: one check a request, shared with `Reader`."""
Reader = Annotated[ApiKey, READ]
CustomerEraser = Annotated[ApiKey, require("customers:delete")]
TranscriptReader = Annotated[ApiKey, require("transcripts:read")]
AlertsWriter = Annotated[ApiKey, require("alerts:write")]
CasesWriter = Annotated[ApiKey, require("cases:write")]


async def _web_chat_conversation(
    conversation_id: str,
    container: ContainerDep,
    authorization: Annotated[str | None, Header()] = None,
) -> str:
    """The path's conversation id, if the request carries a conversation token for it (404 if not).

    404 rather than 401/403: whoever lacks the token learns nothing, not even that it exists."""
    settings = container.settings
    try:
        conversation_tokens.verify(
            secret_key=settings.secret_key.get_secret_value(),
            token=_bearer(authorization),
            conversation_id=conversation_id,
            max_age=timedelta(hours=settings.conversation_token_max_age_hours),
            now=container.clock.now(),
        )
    except conversation_tokens.TokenRefused:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "conversation not found") from None
    return conversation_id


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


WebChatConversation = Annotated[str, Depends(_web_chat_conversation)]
