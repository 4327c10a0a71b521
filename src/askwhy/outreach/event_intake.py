"""Taking moment events from the API: idempotent, all in one transaction, decisions included."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from askwhy.domain.conversation import Channel
from askwhy.domain.guide import Guide
from askwhy.outreach.invitations import Moment, RecordedMoment, record_moment
from askwhy.store import decisions as queries
from askwhy.store import idempotency
from askwhy.store.program_tables import ContactDecision


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False
    """True when this is the stored response to an earlier request with the same Idempotency-Key."""


def take_events(
    *,
    session: Session,
    guides: Mapping[str, Guide],
    senders: Collection[Channel],
    moments: Sequence[Moment],
    render: Callable[[list[RecordedMoment]], dict[str, Any]],
    now: datetime,
    api_key_id: str,
    idempotency_key: str | None,
    request: Any,
    endpoint: str,
    ttl: timedelta,
    only_programs: Collection[str] | None = None,
) -> Outcome:
    """Record every moment with its decisions; with an Idempotency-Key, a retry replays the response.
    ``only_programs``: the programs the sending key is limited to (None: every program).

    All moments are taken in the caller's transaction: a failure anywhere stores none of them.
    Raises `idempotency.IdempotencyConflict` when the key was used for a different request.
    """
    if idempotency_key:
        fingerprint = idempotency.request_hash(endpoint=endpoint, body=request)
        stored = idempotency.claim(
            session=session, api_key_id=api_key_id, key=idempotency_key, fingerprint=fingerprint,
            endpoint=endpoint, now=now, ttl=ttl,
        )  # fmt: skip
        if stored is not None:
            return Outcome(status_code=stored.status_code, body=stored.body, replayed=True)
    recorded = [
        record_moment(
            session=session,
            guides=guides,
            senders=senders,
            moment=moment,
            now=now,
            only_programs=only_programs,
        )
        for moment in moments
    ]
    body = render(recorded)
    if idempotency_key:
        idempotency.store(
            session=session, api_key_id=api_key_id, key=idempotency_key, status_code=201, body=body
        )
    return Outcome(status_code=201, body=body)


def event_with_decisions(*, session: Session, event_id: str) -> RecordedMoment | None:
    """A stored moment event and every decision taken on it."""
    event = queries.event(session=session, event_id=event_id)
    if event is None:
        return None
    return RecordedMoment(
        event=event, decisions=list(queries.decisions_of_event(session=session, event_id=event_id))
    )


def customer_decisions(*, session: Session, customer_id: str, limit: int) -> list[ContactDecision]:
    """The newest decisions taken for a customer (your id for them), newest first."""
    return list(queries.decisions_of_customer(session=session, external_id=customer_id, limit=limit))
