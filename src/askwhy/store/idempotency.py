"""Idempotent requests: a retry with the same ``Idempotency-Key`` gets the first response again.

The key is claimed (a row keyed by API key + idempotency key) in the same transaction as the
work, so the work and its stored response commit together or not at all. The same key with a
different body is a conflict; a concurrent duplicate waits on the row and then sees a conflict.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from askwhy.store.api_tables import IdempotencyRecord


class IdempotencyConflict(Exception):
    """The key was used for a different request, or its first request is still running."""


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


def request_hash(*, endpoint: str, body: Any) -> str:
    """A hash of the request that ignores formatting: the endpoint and the body's canonical JSON."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{endpoint}\n{canonical}".encode()).hexdigest()


def claim(
    *,
    session: Session,
    api_key_id: str,
    key: str,
    fingerprint: str,
    endpoint: str,
    now: datetime,
    ttl: timedelta,
) -> StoredResponse | None:
    """The stored response for a repeat of this request, or None after claiming the key for it."""
    record = session.get(IdempotencyRecord, (api_key_id, key))
    if record is not None and record.created_at < now - ttl:
        session.delete(record)
        session.flush()
        record = None
    if record is not None:
        if record.request_hash != fingerprint:
            raise IdempotencyConflict("this Idempotency-Key was used with a different request")
        if record.status_code is None:
            raise IdempotencyConflict("a request with this Idempotency-Key is still in progress")
        return StoredResponse(status_code=record.status_code, body=record.response)
    record = IdempotencyRecord(
        api_key_id=api_key_id, key=key, endpoint=endpoint, request_hash=fingerprint, created_at=now
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        raise IdempotencyConflict("a request with this Idempotency-Key is still in progress") from None
    return None


def store(*, session: Session, api_key_id: str, key: str, status_code: int, body: dict[str, Any]) -> None:
    """Keep the response to replay it to retries."""
    record = session.get(IdempotencyRecord, (api_key_id, key))
    if record is not None:
        record.status_code, record.response = status_code, body


def purge_expired(*, session: Session, now: datetime, ttl: timedelta) -> int:
    """Forget records older than the TTL; returns how many."""
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - ttl))
    return int(getattr(result, "rowcount", 0) or 0)
