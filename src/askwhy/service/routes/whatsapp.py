"""WhatsApp Business Cloud API webhooks: the subscription handshake and message deliveries.

A delivery is verified against the app secret over its raw bytes, parsed, and kept (in the webhook
inbox, in a transaction it may share with other deliveries: `service.intake`, the path every
provider's deliveries take); it is stored as messages and statuses right after, and the customer's
answer is worked out on the queue, so Meta gets its 200 quickly and a retried delivery is stored
once. A delivery not kept in time (a locked database) gets 503 with Retry-After.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import PlainTextResponse
from pydantic import SecretStr

from askwhy.bootstrap import Container
from askwhy.channels.base import StatusEvent
from askwhy.channels.whatsapp import webhook
from askwhy.service.dependencies import ContainerDep
from askwhy.service.intake import WebhookIntake
from askwhy.store.inbox import Delivery

router = APIRouter(prefix="/webhooks/whatsapp", tags=["whatsapp"])


def _verify(*, body: bytes, signature: str | None, secret: SecretStr | None) -> None:
    """Refuse a delivery whose signature does not check out; nothing has touched the store yet."""
    if secret is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "WhatsApp is not configured: ASKWHY_WHATSAPP_APP_SECRET"
        )
    if not signature:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"missing {webhook.SIGNATURE_HEADER} header")
    if not webhook.signature_matches(app_secret=secret.get_secret_value(), body=body, header=signature):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{webhook.SIGNATURE_HEADER} does not match the body")


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
    intake: WebhookIntake = request.app.state.intake
    body = await request.body()
    _verify(
        body=body,
        signature=request.headers.get(webhook.SIGNATURE_HEADER),
        secret=container.settings.whatsapp_app_secret,
    )
    delivery = Delivery(channel="whatsapp", body=body, received_at=container.clock.now())
    parsed = intake.parsed(delivery)
    await intake.receive(delivery, parsed)
    statuses = sum(isinstance(event, StatusEvent) for event in parsed.events)
    counts = {"messages": len(parsed.events) - statuses, "statuses": statuses}
    return Response(json.dumps(counts).encode(), media_type="application/json")
