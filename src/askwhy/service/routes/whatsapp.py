"""WhatsApp Business Cloud API webhooks: the subscription handshake and message deliveries.

A delivery is verified against the app secret over its raw bytes, parsed, and kept (in the webhook
inbox, in a transaction it may share with other deliveries: `service.intake`); it is stored as
messages and statuses right after, and the customer's answer is worked out on the queue, so Meta
gets its 200 quickly and a retried delivery is stored once.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import PlainTextResponse
from pydantic import SecretStr

from askwhy.bootstrap import Container
from askwhy.channels.base import StatusEvent, WebhookEvent
from askwhy.channels.whatsapp import webhook
from askwhy.service.dependencies import ContainerDep
from askwhy.service.intake import WebhookIntake

router = APIRouter(prefix="/webhooks/whatsapp", tags=["whatsapp"])


def _verified_events(
    *, body: bytes, signature: str | None, secret: SecretStr | None, now: datetime
) -> list[WebhookEvent]:
    """The delivery's events, once its signature checks out; nothing has touched the store yet."""
    if secret is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "WhatsApp is not configured: ASKWHY_WHATSAPP_APP_SECRET"
        )
    if not signature:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"missing {webhook.SIGNATURE_HEADER} header")
    if not webhook.signature_matches(app_secret=secret.get_secret_value(), body=body, header=signature):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{webhook.SIGNATURE_HEADER} does not match the body")
    try:
        return webhook.parse_delivery(body, now=now)
    except webhook.MalformedDelivery as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None


@router.get("", response_class=PlainTextResponse)
def handshake(
    container: ContainerDep,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge")] = None,
) -> PlainTextResponse:
    """Meta's subscription check: echo the challenge when the verify token is ours."""
    expected = container.settings.whatsapp_verify_token
    echoed = webhook.handshake_challenge(
        mode=mode,
        token=token,
        challenge=challenge,
        verify_token=expected.get_secret_value() if expected else None,
    )
    if echoed is None:
        return PlainTextResponse("verification failed", status_code=status.HTTP_403_FORBIDDEN)
    return PlainTextResponse(echoed)


@router.post("", response_class=Response)
async def receive(request: Request) -> Response:
    """Verify, parse and keep a delivery; storing it and the turns it causes happen right after."""
    container: Container = request.app.state.container
    body = await request.body()
    now = container.clock.now()
    events = _verified_events(
        body=body,
        signature=request.headers.get(webhook.SIGNATURE_HEADER),
        secret=container.settings.whatsapp_app_secret,
        now=now,
    )
    # Verifying and parsing stay on the event loop (they are quick); keeping shares a transaction
    # with the deliveries arriving meanwhile, and returns once that transaction has committed.
    intake: WebhookIntake = request.app.state.intake
    await intake.receive(channel="whatsapp", body=body, events=events, received_at=now)
    statuses = sum(isinstance(event, StatusEvent) for event in events)
    counts = {"messages": len(events) - statuses, "statuses": statuses}
    return Response(json.dumps(counts).encode(), media_type="application/json")
