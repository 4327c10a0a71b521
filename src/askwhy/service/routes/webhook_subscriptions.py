"""Outbound webhook subscriptions: read with ``read``, changed with ``alerts:write``; a new
subscription's signing secret is in the creating response only."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from askwhy.alerts import subscriptions
from askwhy.service.auth import AlertsWriter, Reader
from askwhy.service.dependencies import ClockDep, SessionsDep
from askwhy.service.key_programs import KeyReach
from askwhy.store import subscriptions as stored
from askwhy.store.notification_tables import WebhookSubscription

router = APIRouter(tags=["webhooks"])

Event = Literal[
    "response.completed", "conversation.opted_out", "alert.opened", "alert.resolved",
    "case.opened", "case.updated", "case.resolved",
]  # fmt: skip


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://")
    events: list[Event] = Field(min_length=1)
    program: str | None = Field(default=None, max_length=100, description="Only this program's events.")


class SubscriptionOut(BaseModel):
    id: str
    url: str
    events: list[str]
    program: str | None
    created_at: datetime
    secret: str | None = Field(default=None, description="The whsec_ signing secret, in this response only.")

    @classmethod
    def of(cls, row: WebhookSubscription, *, secret: str | None = None) -> SubscriptionOut:
        return cls(
            id=row.id,
            url=row.url,
            events=row.events,
            program=row.program,
            created_at=row.created_at,
            secret=secret,
        )


@router.get("/v1/webhook-subscriptions")
def list_subscriptions(key: Reader, sessions: SessionsDep) -> list[SubscriptionOut]:
    """Subscriptions, without their secrets."""
    KeyReach.of(key).require_every_program("listing webhook subscriptions")
    with sessions.begin() as session:
        return [SubscriptionOut.of(row) for row in stored.list_subscriptions(session=session)]


@router.post("/v1/webhook-subscriptions", status_code=status.HTTP_201_CREATED)
def subscribe(
    body: SubscriptionIn, key: AlertsWriter, sessions: SessionsDep, clock: ClockDep
) -> SubscriptionOut:
    """Subscribe a URL to events; the response carries its signing secret, never shown again."""
    KeyReach.of(key).require_every_program("subscribing a webhook")
    try:
        with sessions.begin() as session:
            row, secret = subscriptions.subscribe(
                session=session, url=body.url, events=body.events, program=body.program, now=clock.now()
            )
            return SubscriptionOut.of(row, secret=secret)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


@router.delete("/v1/webhook-subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
def unsubscribe(subscription_id: str, key: AlertsWriter, sessions: SessionsDep) -> None:
    """Remove a subscription."""
    KeyReach.of(key).require_every_program("removing a webhook subscription")
    with sessions.begin() as session:
        if not stored.remove_subscription(session=session, subscription_id=subscription_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "webhook subscription not found")
