"""Workspace sessions: a signed, expiring cookie naming the person and their session version, and
CSRF tokens bound to it.

The cookie holds no secret of its own: it is the person's id and session version, signed with
``ASKWHY_SECRET_KEY`` under a salt of its own and stamped with the time it was made. Raising the
person's session version (sign-out everywhere, a new password, disabling) ends every session.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature

from askwhy.outreach.chat_links import stamped_serializer

SALT = "askwhy.workspace-session"
COOKIE = "askwhy_session"


@dataclass(frozen=True)
class BrowserSession:
    person_id: str
    session_version: int


def seal(*, secret_key: str, person_id: str, session_version: int, now: datetime) -> str:
    """The cookie value for a person signed in at ``now``."""
    return str(stamped_serializer(secret_key, salt=SALT, now=now).dumps([person_id, session_version]))


def opened(
    *, secret_key: str, cookie: str | None, max_age: timedelta, now: datetime
) -> BrowserSession | None:
    """The session a cookie holds; None when missing, tampered with or expired."""
    if not cookie:
        return None
    try:
        value = stamped_serializer(secret_key, salt=SALT, now=now).loads(
            cookie, max_age=int(max_age.total_seconds())
        )
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2):
        return None
    person_id, version = value
    if not isinstance(person_id, str) or not isinstance(version, int):
        return None
    return BrowserSession(person_id=person_id, session_version=version)


def csrf_token(*, secret_key: str, cookie: str) -> str:
    """The token a form posted with this session must carry (an HMAC of the session cookie)."""
    return hmac.new(secret_key.encode(), f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()


def csrf_matches(*, secret_key: str, cookie: str | None, token: str | None) -> bool:
    if not cookie or not token:
        return False
    return hmac.compare_digest(csrf_token(secret_key=secret_key, cookie=cookie), token)
