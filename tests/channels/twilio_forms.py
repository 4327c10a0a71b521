"""Twilio webhook requests for tests: the documented form parameters, signed like Twilio signs them.

The parameter sets follow the provider samples (constructed from Twilio's documented parameters);
the values vary per test.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import httpx
from fastapi.testclient import TestClient
from pydantic import SecretStr

from askwhy.channels.twilio_signature import SIGNATURE_HEADER, sign
from askwhy.settings import Settings
from tests.fakes.twilio_api import FakeTwilioApi

PUBLIC = "https://feedback.example.com"
"""Where Twilio reaches askwhy; the test client talks to the app under another host, as a proxy would."""
ACCOUNT = "AC" + "5" * 32
TOKEN = "twilio-test-auth-token"
BUSINESS = "+15558675310"
CUSTOMER = "+14017122661"


def sid(prefix: str) -> str:
    """A fresh Twilio SID (34 characters: two letters and 32 hex digits)."""
    return f"{prefix}{uuid.uuid4().hex}"


def sms_form(
    body: str, *, sender: str = CUSTOMER, message_sid: str | None = None, **extra: str
) -> dict[str, str]:
    """An incoming message, with the parameters of Twilio's incoming-message webhook."""
    message_sid = message_sid or sid("SM")
    form = {
        "ToCountry": "US", "ToState": "CA", "SmsMessageSid": message_sid, "NumMedia": "0",
        "ToCity": "SAUSALITO", "FromZip": "94103", "SmsSid": message_sid, "FromState": "CA",
        "SmsStatus": "received", "FromCity": "SAN FRANCISCO", "Body": body, "FromCountry": "US",
        "To": BUSINESS, "ToZip": "94965", "NumSegments": "1", "MessageSid": message_sid,
        "AccountSid": ACCOUNT, "From": sender, "ApiVersion": "2010-04-01",
    }  # fmt: skip
    form.update(extra)
    return form


def status_form(message_sid: str, status: str, **extra: str) -> dict[str, str]:
    """A message status callback."""
    form = {
        "SmsSid": message_sid, "SmsStatus": status, "MessageStatus": status, "To": CUSTOMER,
        "MessageSid": message_sid, "AccountSid": ACCOUNT, "From": BUSINESS, "ApiVersion": "2010-04-01",
    }  # fmt: skip
    form.update(extra)
    return form


def call_form(
    call_sid: str, *, status: str = "ringing", outbound: bool = False, **extra: str
) -> dict[str, str]:
    """A voice webhook: the call, a Gather's action, or a status callback (with ``extra``)."""
    caller, called = (BUSINESS, CUSTOMER) if outbound else (CUSTOMER, BUSINESS)
    form = {
        "Called": called, "ToState": "CA", "CallerCountry": "US",
        "Direction": "outbound-api" if outbound else "inbound", "CallerState": "CA", "ToZip": "94965",
        "CallSid": call_sid, "To": called, "CallerZip": "94103", "ToCountry": "US",
        "ApiVersion": "2010-04-01", "CallStatus": status, "From": caller, "AccountSid": ACCOUNT,
        "Caller": caller, "FromCountry": "US",
    }  # fmt: skip
    form.update(extra)
    return form


def post(
    client: TestClient, path: str, form: dict[str, str], *, signed_url: str | None = None, token: str = TOKEN
) -> httpx.Response:
    """POST ``form`` to ``path`` (which may carry a query), signed for the public URL of that path."""
    url = signed_url or PUBLIC + path
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        SIGNATURE_HEADER: sign(auth_token=token, url=url, params=form),
    }
    return client.post(path, content=urlencode(form), headers=headers)


def twilio_settings(settings: Settings, twilio: FakeTwilioApi) -> Settings:
    """The test settings with Twilio configured against the fake API and the public base URL."""
    return settings.model_copy(
        update={
            "public_base_url": PUBLIC,
            "twilio_account_sid": ACCOUNT,
            "twilio_auth_token": SecretStr(TOKEN),
            "twilio_api_base_url": twilio.base_url,
            "twilio_sms_from": BUSINESS,
            "twilio_voice_from": BUSINESS,
        }
    )
