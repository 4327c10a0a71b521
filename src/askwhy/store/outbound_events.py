"""Outbound events written in the transaction that records the fact: one notification per
subscription that wants it, so a rollback sends nothing and a crash after the commit loses nothing.

Called from where the product records each fact (a response analysed as completed, a
conversation opted out), which sit below the alerts package; so the event's envelope
(``type``, ``timestamp``, ``data``) is built here. Payloads carry ids, figures and the redacted
comment, never a customer's raw words or contact details.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import ResponseAnalysis
from askwhy.store.notifications import add_notification
from askwhy.store.subscriptions import is_wanted, subscriptions_for
from askwhy.store.tables import Conversation, Response

SUBSCRIPTION = "subscription"
"""The destination kind of a notification to a webhook subscription."""
EVENTS = (
    "response.completed", "conversation.opted_out", "alert.opened", "alert.resolved",
    "case.opened", "case.updated", "case.resolved",
)  # fmt: skip


def event_body(*, event: str, data: dict[str, Any], at: datetime) -> str:
    """The signed webhook body: the Standard Webhooks envelope, compact and key-sorted."""
    envelope = {"type": event, "timestamp": at.isoformat(), "data": data}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def record_event(
    *,
    session: Session,
    event: str,
    program: str | None,
    subject_id: str,
    data: dict[str, Any],
    now: datetime,
    alert_id: str | None = None,
) -> list[str]:
    """A notification of ``event`` about ``subject_id`` for each subscription wanting it (once
    each, whatever the retries); the new notifications' ids."""
    created = []
    for subscription in subscriptions_for(session=session, event=event, program=program):
        row = add_notification(
            session=session,
            key=f"{event}:{subject_id}:{subscription.id}",
            destination_kind=SUBSCRIPTION,
            destination_id=subscription.id,
            event=event,
            payload=event_body(event=event, data=data, at=now),
            now=now,
            alert_id=alert_id,
        )
        if row is not None:
            created.append(row.id)
    return created


def record_responses_completed(*, session: Session, response_ids: Sequence[str], now: datetime) -> None:
    """``response.completed`` for those of these analysed responses that were completed."""
    if not response_ids or not is_wanted(session=session, event="response.completed"):
        return  # the common case: one read, no subscription wants it
    rows = session.execute(
        select(Response, ResponseAnalysis.text, ResponseAnalysis.sentiment)
        .join(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .where(Response.id.in_(list(response_ids)), Response.completion == "completed")
    )
    for response, redacted, sentiment in rows:
        data = {
            "response_id": response.id,
            "conversation_id": response.conversation_id,
            "program": response.program,
            "channel": response.channel,
            "metric": response.metric,
            "score": response.score,
            "band": response.band,
            "language": response.language,
            "sentiment": sentiment,
            "comment_redacted": redacted,
            "responded_at": response.responded_at.isoformat(),
            "simulated": response.simulated,
        }
        record_event(
            session=session,
            event="response.completed",
            program=response.program,
            subject_id=response.id,
            data=data,
            now=now,
        )


def record_opted_out(*, session: Session, conversation: Conversation, now: datetime) -> None:
    """``conversation.opted_out`` for a conversation the customer ended by opting out."""
    data = {
        "conversation_id": conversation.id,
        "program": conversation.program,
        "channel": conversation.channel,
        "opted_out_at": now.isoformat(),
    }
    record_event(
        session=session,
        event="conversation.opted_out",
        program=conversation.program,
        subject_id=conversation.id,
        data=data,
        now=now,
    )
