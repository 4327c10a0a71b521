"""The browser's half of a single sign-on in progress: ``state``, ``nonce`` and the PKCE verifier,
in a signed, HttpOnly cookie that lasts ten minutes and is used once.

Keeping them in the browser needs no table and no server-side session: the signature (under a
salt of its own) stops a forged or edited cookie, the stamp ends a flow left half-way, and the
``state`` check at the callback ties the provider's answer to the browser that asked for it, so no
one can complete a sign-in in someone else's browser.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature

from askwhy.outreach.chat_links import stamped_serializer
from askwhy.service.workspace.oidc_provider import CALLBACK_PATH, PendingSignIn

COOKIE = "askwhy_oidc"
SALT = "askwhy.oidc-sign-in"
LASTS = timedelta(minutes=10)
PATH = CALLBACK_PATH
"""The cookie is sent to the callback alone."""


def seal(*, secret_key: str, pending: PendingSignIn, now: datetime) -> str:
    value = [pending.state, pending.nonce, pending.code_verifier]
    return str(stamped_serializer(secret_key, salt=SALT, now=now).dumps(value))


def opened(*, secret_key: str, cookie: str | None, now: datetime) -> PendingSignIn | None:
    """The sign-in the cookie holds; None when missing, tampered with or older than ten minutes."""
    if not cookie:
        return None
    try:
        value = stamped_serializer(secret_key, salt=SALT, now=now).loads(
            cookie, max_age=int(LASTS.total_seconds())
        )
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(part, str) for part in value)):
        return None
    state, nonce, verifier = value
    return PendingSignIn(state=state, nonce=nonce, code_verifier=verifier)
