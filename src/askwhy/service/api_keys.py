"""API keys: shown once when created, stored only as a SHA-256 hash, each with its scopes and,
optionally, the programs it is limited to (none named: every program).

A key reads ``aw_<id>_<secret>``. The id is public (it names the key in lists and logs); the
secret is 32 random bytes, compared in constant time against its stored hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.store.api_tables import ApiKey

SCOPES = {
    "events:write": "send moment events (POST /v1/events)",
    "customers:delete": "erase a customer's personal data (DELETE /v1/customers/{id})",
    "read": "read events, decisions and conversations",
    "transcripts:read": "read a conversation's raw transcript, on any channel (GET /v1/transcripts/{id})",
    "alerts:write": "acknowledge, snooze and resolve alerts (POST /v1/alerts/{id}/...)",
    "cases:write": "assign, move, annotate, reply to and resolve cases (POST /v1/cases/{id}/...)",
}
_PREFIX = "aw"
MAX_PROGRAM_ID = 100


class InvalidKey(PermissionError):
    """No key, an unknown or revoked key, or a wrong secret."""


class MissingScope(PermissionError):
    """A valid key without the scope the request needs."""


def create_key(
    *, session: Session, name: str, scopes: Iterable[str], now: datetime, programs: Iterable[str] = ()
) -> tuple[ApiKey, str]:
    """Store a new key and return it with its full text, which is never shown again.

    ``programs`` limits the key to those programs' data; none given, it reaches every program."""
    chosen = sorted(set(scopes))
    unknown = [scope for scope in chosen if scope not in SCOPES]
    if unknown or not chosen:
        raise ValueError(f"unknown scope(s) {unknown}; choose from {', '.join(SCOPES)}")
    limited = sorted({program.strip() for program in programs})
    if any(not program or len(program) > MAX_PROGRAM_ID for program in limited):
        raise ValueError(f"a program id has 1 to {MAX_PROGRAM_ID} characters")
    key_id, secret = secrets.token_hex(6), secrets.token_hex(32)
    key = ApiKey(
        id=key_id, name=name, secret_hash=_hash(secret), scopes=chosen, programs=limited, created_at=now
    )
    session.add(key)
    session.flush()
    return key, f"{_PREFIX}_{key_id}_{secret}"


def authenticate(*, session: Session, presented: str | None, scope: str, now: datetime) -> ApiKey:
    """The key ``presented`` if it is valid and has ``scope``; raises `InvalidKey` or `MissingScope`."""
    parts = (presented or "").strip().split("_")
    if len(parts) != 3 or parts[0] != _PREFIX:
        raise InvalidKey("a valid API key is required")
    key = session.get(ApiKey, parts[1])
    expected = key.secret_hash if key is not None else _hash("")
    matches = hmac.compare_digest(expected, _hash(parts[2]))
    if key is None or not matches or key.revoked_at is not None:
        raise InvalidKey("a valid API key is required")
    if scope not in key.scopes:
        raise MissingScope(f"this API key lacks the scope {scope!r}")
    key.last_used_at = now
    return key


def key_is_valid(*, session: Session, presented: str | None) -> bool:
    """Whether ``presented`` is a key askwhy made and has not revoked (whatever its scopes)."""
    parts = (presented or "").strip().split("_")
    if len(parts) != 3 or parts[0] != _PREFIX:
        return False
    key = session.get(ApiKey, parts[1])
    expected = key.secret_hash if key is not None else _hash("")
    return hmac.compare_digest(expected, _hash(parts[2])) and key is not None and key.revoked_at is None


def list_keys(*, session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)).all()


def revoke_key(*, session: Session, key_id: str, now: datetime) -> bool:
    """Revoke a key by its id; False if there is no such key."""
    key = session.get(ApiKey, key_id)
    if key is None:
        return False
    key.revoked_at = key.revoked_at or now
    return True


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
