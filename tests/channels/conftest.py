"""Fixtures for the Twilio tests: a fake Twilio API, askwhy wired to it, the app behind a proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import Sender
from askwhy.channels.twilio_api import TwilioApi
from askwhy.channels.twilio_sms import TwilioSmsSender
from askwhy.channels.twilio_voice import TwilioVoiceSender
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.service.app import create_app
from askwhy.settings import Settings
from tests.channels.twilio_forms import ACCOUNT, BUSINESS, PUBLIC, TOKEN, twilio_settings
from tests.fakes.twilio_api import FakeTwilioApi


@pytest.fixture
def twilio() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(account_sid=ACCOUNT, auth_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def twilio_container(settings: Settings, clock: FakeClock, twilio: FakeTwilioApi) -> Iterator[Container]:
    """askwhy with Twilio SMS, WhatsApp-through-Twilio and voice senders pointed at the fake API."""
    configured = twilio_settings(settings, twilio)
    api = TwilioApi(
        account_sid=ACCOUNT, auth_token=SecretStr(TOKEN), base_url=twilio.base_url, timeout_seconds=2
    )
    status_url = f"{PUBLIC}/webhooks/twilio/status"
    senders: dict[Channel, Sender] = {
        Channel.SMS: TwilioSmsSender(api=api, status_callback_url=status_url, from_number=BUSINESS),
        Channel.WHATSAPP: TwilioSmsSender(
            api=api,
            status_callback_url=status_url,
            from_number="whatsapp:" + BUSINESS,
            channel=Channel.WHATSAPP,
        ),
        Channel.VOICE: TwilioVoiceSender(api=api, from_number=BUSINESS, base_url=PUBLIC),
    }
    built = bootstrap(configured, clock=clock, senders=senders, embedder=HashingEmbedder())
    yield built
    built.close()
    api.close()


@pytest.fixture
def twilio_app(twilio_container: Container) -> Iterator[TestClient]:
    """The app as reached through a proxy: its own host is not the public one Twilio signs."""
    with TestClient(create_app(twilio_container), base_url="http://askwhy-internal:8000") as test_client:
        yield test_client
