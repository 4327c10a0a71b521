"""Webhooks of channels added at start-up (`askwhy.channels.adapter`): one route for all of them.

The same few steps as WhatsApp's route: the channel's own check of the signature over the raw
bytes, its reader parsing the delivery once, and the shared intake keeping it in the webhook inbox
(`askwhy.service.intake`) before the 200. A name no added channel has answers 404.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request, Response, status

from askwhy.bootstrap import Container
from askwhy.channels.base import StatusEvent
from askwhy.service.intake import WebhookIntake
from askwhy.store.inbox import Delivery

router = APIRouter(tags=["webhooks"])


@router.post("/webhooks/{name}", response_class=Response)
async def receive(name: str, request: Request) -> Response:
    """Verify, parse and keep an added channel's delivery; storing it and its turns follow."""
    container: Container = request.app.state.container
    intake: WebhookIntake = request.app.state.intake
    added = container.added.get(name)
    if added is None or added.webhook is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no channel {name!r} receives webhooks here")
    body = await request.body()
    if not added.webhook.verify(container.settings, request.headers, body):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"the {name} delivery's signature does not match")
    delivery = Delivery(channel=name, body=body, received_at=container.clock.now())
    parsed = intake.parsed(delivery)
    await intake.receive(delivery, parsed)
    statuses = sum(isinstance(event, StatusEvent) for event in parsed.events)
    counts = {"messages": len(parsed.events) - statuses, "statuses": statuses}
    return Response(json.dumps(counts).encode(), media_type="application/json")
