"""API key dependencies: ``EventsWriter``, ``Reader``, ``CustomerEraser`` name what a route needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, status

from askwhy.service import api_keys
from askwhy.service.dependencies import ClockDep, SessionsDep
from askwhy.store.api_tables import ApiKey


def _presented(authorization: str | None, x_api_key: str | None) -> str | None:
    if x_api_key:
        return x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:]
    return None


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
Reader = Annotated[ApiKey, require("read")]
CustomerEraser = Annotated[ApiKey, require("customers:delete")]
