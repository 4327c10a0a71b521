"""The routes hostile bodies are sent to, each with the valid body they start from and its signing.

Every webhook route (WhatsApp, Twilio messages, statuses and voice) and the web chat routes. Bodies
are signed as the provider would sign them, so that they get past the signature check and reach
the parsers. Used by the fuzz test (`tests.service.test_hostile_input`) and by
``python -m bench.hostile_input``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from askwhy.channels.twilio_signature import SIGNATURE_HEADER, FormParams, sign
from tests.channels import twilio_forms
from tests.channels import whatsapp_deliveries as wa
from tests.service.hostile_bodies import FormTemplate, JsonTemplate, form_bodies, json_bodies


@dataclass(frozen=True)
class Route:
    """A route under fuzz: where each body goes, the valid body it starts from, how it is signed."""

    name: str
    path: Callable[[random.Random], str]
    bodies: Callable[[int], Iterator[tuple[str, bytes]]]
    headers: Callable[[str, bytes], dict[str, str]]


def _phone(rng: random.Random) -> str:
    return f"1555{rng.randrange(10**7):07d}"


def _sid(rng: random.Random, prefix: str) -> str:
    return prefix + rng.randbytes(16).hex()


def _whatsapp(rng: random.Random) -> Any:
    sender = _phone(rng)
    message = wa.text(
        rng.choice(["9", "It arrived late", "ok"]), sender=sender, message_id="wamid." + _sid(rng, "")
    )
    status = wa.status("wamid." + _sid(rng, ""), rng.choice(["sent", "delivered", "read", "failed"]))
    return wa.delivery(wa.value(messages=[message], statuses=[status]))


def _signed_whatsapp(path: str, body: bytes) -> dict[str, str]:
    return wa.headers(body)


def _signed_form(path: str, body: bytes) -> dict[str, str]:
    params = FormParams.parse(body)
    signature = sign(auth_token=twilio_forms.TOKEN, url=twilio_forms.PUBLIC + path, params=params)
    return {"Content-Type": "application/x-www-form-urlencoded", SIGNATURE_HEADER: signature}


def _json(token: str | None) -> Callable[[str, bytes], dict[str, str]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return lambda path, body: headers


def routes(*, chat_conversation: str, chat_token: str, voice_conversation: str) -> list[Route]:
    """Every webhook route and the web chat routes, ready to receive hostile bodies."""
    forms = twilio_forms

    def sms(rng: random.Random) -> dict[str, str]:
        return forms.sms_form(
            rng.choice(["9", "STOP", "late again"]), sender="+" + _phone(rng), message_sid=_sid(rng, "SM")
        )

    def sms_status(rng: random.Random) -> dict[str, str]:
        return forms.status_form(_sid(rng, "SM"), rng.choice(["sent", "delivered", "failed", "undelivered"]))

    def call(rng: random.Random) -> dict[str, str]:
        return forms.call_form(
            _sid(rng, "CA"), status=rng.choice(["ringing", "in-progress"]), outbound=rng.random() < 0.5
        )

    def gathered(rng: random.Random) -> dict[str, str]:
        extra = {"SpeechResult": "nine", "Confidence": "0.91"} if rng.random() < 0.7 else {"Digits": "9"}
        return forms.call_form(_sid(rng, "CA"), status="in-progress", outbound=True, **extra)

    def call_status(rng: random.Random) -> dict[str, str]:
        status = rng.choice(["completed", "busy", "no-answer", "failed", "in-progress"])
        return forms.call_form(_sid(rng, "CA"), status=status, outbound=True, CallDuration="12")

    def conversation(rng: random.Random) -> str:
        return voice_conversation if rng.random() < 0.7 else rng.choice(["", "nope", "x" * 300, "%00"])

    def gather_path(rng: random.Random) -> str:
        turn = rng.choice(["1", "2", "0", "-1", "2147483648", "9" * 30, "x"])
        return f"/webhooks/twilio/voice/gather?conversation={conversation(rng)}&turn={turn}"

    def status_path(rng: random.Random) -> str:
        key = rng.choice(["k", "x" * 100])
        return f"/webhooks/twilio/voice/status?conversation={conversation(rng)}&key={key}"

    def start(rng: random.Random) -> Any:
        return {"program": rng.choice(["post-checkout", "post-checkout", "nope"]), "language": "en"}

    def message(rng: random.Random) -> Any:
        return {"text": rng.choice(["9", "slow delivery"]), "client_message_id": _sid(rng, "c")[:20]}

    def fixed(path: str) -> Callable[[random.Random], str]:
        return lambda rng: path

    def sms_status_path(rng: random.Random) -> str:
        return f"/webhooks/twilio/status?key={rng.choice(['k', 'x' * 80])}"

    def voice_path(rng: random.Random) -> str:
        return f"/webhooks/twilio/voice?conversation={conversation(rng)}"

    def of_json(template: JsonTemplate) -> Callable[[int], Iterator[tuple[str, bytes]]]:
        return lambda seed: json_bodies(template, seed=seed)

    def of_form(template: FormTemplate) -> Callable[[int], Iterator[tuple[str, bytes]]]:
        return lambda seed: form_bodies(template, seed=seed)

    chat_path = f"/v1/conversations/{chat_conversation}/messages"
    return [
        Route("POST /webhooks/whatsapp", fixed("/webhooks/whatsapp"), of_json(_whatsapp), _signed_whatsapp),
        Route("POST /webhooks/twilio/sms", fixed("/webhooks/twilio/sms"), of_form(sms), _signed_form),
        Route("POST /webhooks/twilio/status", sms_status_path, of_form(sms_status), _signed_form),
        Route("POST /webhooks/twilio/voice", voice_path, of_form(call), _signed_form),
        Route("POST /webhooks/twilio/voice/gather", gather_path, of_form(gathered), _signed_form),
        Route("POST /webhooks/twilio/voice/status", status_path, of_form(call_status), _signed_form),
        Route("POST /v1/conversations", fixed("/v1/conversations"), of_json(start), _json(None)),
        Route("POST /v1/conversations/{id}/messages", fixed(chat_path), of_json(message), _json(chat_token)),
    ]


Post = Callable[[str, bytes, dict[str, str]], int]
"""Sends one body (path, body, headers) and returns the response's status code."""


def fuzz(post: Post, route: Route, *, count: int, seed: int) -> Counter[tuple[str, int]]:
    """Send ``count`` hostile bodies to the route; how many got which status, per kind of damage."""
    rng = random.Random(seed)
    outcomes: Counter[tuple[str, int]] = Counter()
    for _, (kind, body) in zip(range(count), route.bodies(seed), strict=False):
        path = route.path(rng)
        outcomes[kind, post(path, body, route.headers(path, body))] += 1
    return outcomes
