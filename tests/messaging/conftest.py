"""Fixtures for messaging: recording senders on every invitation channel, programs, an API key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import RecordingSender
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.domain.program import Program
from askwhy.programs.syncing import sync_programs
from askwhy.service import api_keys
from askwhy.service.app import create_app
from askwhy.settings import Settings

PROGRAM: dict[str, Any] = {
    "id": "post-checkout",
    "name": "After checkout",
    "guide": "post-checkout",
    "moments": ["order_delivered"],
    "channels": [
        {"channel": "whatsapp", "template": {"name": "feedback_invitation", "language": "en_US",
                                             "parameters": ["{first_name}"]}},
        {"channel": "sms"},
        {"channel": "email"},
    ],
    "timing": {"delay": "2h", "expires_after": "3d"},
}  # fmt: skip


@pytest.fixture
def senders() -> dict[Channel, RecordingSender]:
    return {channel: RecordingSender(channel) for channel in (Channel.WHATSAPP, Channel.SMS, Channel.EMAIL)}


@pytest.fixture
def container(
    settings: Settings, clock: FakeClock, senders: dict[Channel, RecordingSender]
) -> Iterator[Container]:
    built = bootstrap(settings, clock=clock, senders=dict(senders), embedder=HashingEmbedder())
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def install_programs(container: Container, *definitions: dict[str, Any]) -> None:
    programs = {d["id"]: (Program.model_validate(d), Path(f"{d['id']}.yaml")) for d in definitions}
    with container.sessions.begin() as session:
        sync_programs(session=session, programs=programs, now=container.clock.now())


@pytest.fixture
def program(container: Container) -> dict[str, Any]:
    install_programs(container, PROGRAM)
    return PROGRAM


@pytest.fixture
def api_key(container: Container) -> str:
    with container.sessions.begin() as session:
        _, text = api_keys.create_key(
            session=session, name="tests", scopes=api_keys.SCOPES, now=container.clock.now()
        )
    return text


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def event(
    customer_id: str = "cust-1",
    *,
    moment: str = "order_delivered",
    occurred_at: datetime | None = None,
    phone: str | None = "+447700900123",
    email: str | None = "ann@example.org",
    consents: dict[str, bool] | None = None,
    time_zone: str | None = "Europe/London",
    **extra: Any,
) -> dict[str, Any]:
    """An events API body (defaults: a UK customer who consented to WhatsApp)."""
    customer: dict[str, Any] = {
        "id": customer_id,
        "time_zone": time_zone,
        "attributes": {"first_name": "Ann"},
    }
    if phone:
        customer["phone"] = phone
    if email:
        customer["email"] = email
    customer["consents"] = {"whatsapp": True} if consents is None else consents
    when = occurred_at or datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    return {"customer": customer, "moment": moment, "occurred_at": when.isoformat(), **extra}
