"""Signed, expiring links that open one conversation in the web chat (e-mail invitations carry one).

The token is the conversation id signed with ``ASKWHY_SECRET_KEY`` (itsdangerous'
`URLSafeTimedSerializer`, with a salt of its own so no other signed value can pass for it) and
stamped with the time it was made; it is refused once older than the configured age.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

SALT = "askwhy.chat-link"
LINK_PATH = "/c/"


class LinkExpired(Exception):
    """The link was genuine but is older than its allowed age."""


class LinkInvalid(Exception):
    """The link was not made by this server (tampered, truncated, or signed with another key)."""


def sign(*, secret_key: str, conversation_id: str, now: datetime) -> str:
    """A URL-safe token for the conversation, stamped with ``now``."""
    return str(stamped_serializer(secret_key, salt=SALT, now=now).dumps(conversation_id))


def link_url(*, base_url: str, token: str) -> str:
    """The public URL of the link (``GET /c/{token}`` opens the conversation in the web chat)."""
    return f"{base_url.rstrip('/')}{LINK_PATH}{quote(token, safe='')}"


def link_maker(*, secret_key: str, base_url: str) -> Callable[[str, datetime], str]:
    """Makes a conversation's signed link, stamped with a given time: handed by the composition
    root to the e-mail channel, which carries the link but does not sign it."""

    def link_for(conversation_id: str, now: datetime) -> str:
        token = sign(secret_key=secret_key, conversation_id=conversation_id, now=now)
        return link_url(base_url=base_url, token=token)

    return link_for


def conversation_of(*, secret_key: str, token: str, max_age: timedelta, now: datetime) -> str:
    """The conversation id a token was made for; `LinkExpired` or `LinkInvalid` if it cannot be used."""
    try:
        value = stamped_serializer(secret_key, salt=SALT, now=now).loads(
            token, max_age=int(max_age.total_seconds())
        )
    except SignatureExpired:
        raise LinkExpired(token) from None
    except BadSignature:
        raise LinkInvalid(token) from None
    if not isinstance(value, str):
        raise LinkInvalid(token)
    return value


def stamped_serializer(secret_key: str, *, salt: str, now: datetime) -> URLSafeTimedSerializer:
    """A URL-safe timed serializer whose clock is ``now``; each kind of signed value has its own salt."""
    return URLSafeTimedSerializer(
        secret_key, salt=salt, signer=_StampedAt, signer_kwargs={"stamp": int(now.timestamp())}
    )


class _StampedAt(TimestampSigner):
    """Signs and checks ages against the caller's clock, so tests and servers agree on time."""

    def __init__(self, *args: Any, stamp: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stamp = stamp

    def get_timestamp(self) -> int:
        return self._stamp
