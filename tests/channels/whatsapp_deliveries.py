"""WhatsApp webhook deliveries built from the documented formats (provider-samples/), signed.

Values are varied from the samples; the shapes are Meta's: ``entry[].changes[].value`` with
``metadata``, ``contacts``, ``messages`` and ``statuses``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Sequence
from typing import Any

APP_SECRET = "test-app-secret"
BUSINESS_NUMBER_ID = "106540352242922"
_ids = itertools.count(1)


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(delivery: dict[str, Any]) -> bytes:
    return json.dumps(delivery).encode()


def headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": signature(body, secret)}


def delivery(*values: dict[str, Any], entries: int = 1) -> dict[str, Any]:
    """One delivery; the change values are spread over ``entries`` entries, one change each."""
    per_entry: list[list[dict[str, Any]]] = [[] for _ in range(entries)]
    for index, value in enumerate(values):
        per_entry[index % entries].append({"value": value, "field": "messages"})
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": f"10229012934039{n}", "changes": changes} for n, changes in enumerate(per_entry)],
    }


def value(
    *,
    messages: Sequence[dict[str, Any]] = (),
    statuses: Sequence[dict[str, Any]] = (),
    contacts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": BUSINESS_NUMBER_ID},
    }
    if contacts is None:
        contacts = [contact(m["from"]) for m in messages if "from" in m]
    if contacts:
        result["contacts"] = contacts
    if messages:
        result["messages"] = list(messages)
    if statuses:
        result["statuses"] = list(statuses)
    return result


def contact(wa_id: str | None, *, name: str = "Sheena Nelson", user_id: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "profile": {"name": name},
        "user_id": user_id or f"US.{int(wa_id or '0') * 7919 % 10**19}",
    }
    if wa_id:
        result["wa_id"] = wa_id
    return result


def message(
    kind: str,
    content: dict[str, Any],
    *,
    sender: str = "16505551234",
    message_id: str | None = None,
    timestamp: str = "1749416383",
) -> dict[str, Any]:
    return {
        "from": sender,
        "id": message_id or f"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQz{next(_ids):06d}",
        "timestamp": timestamp,
        "type": kind,
        kind: content,
    }


def text(body: str, **kwargs: Any) -> dict[str, Any]:
    return message("text", {"body": body}, **kwargs)


def button_reply(choice_id: str, title: str, **kwargs: Any) -> dict[str, Any]:
    return message(
        "interactive", {"type": "button_reply", "button_reply": {"id": choice_id, "title": title}}, **kwargs
    )


def list_reply(choice_id: str, title: str, **kwargs: Any) -> dict[str, Any]:
    reply = {"id": choice_id, "title": title, "description": ""}
    return message("interactive", {"type": "list_reply", "list_reply": reply}, **kwargs)


def template_button(payload: str, label: str, **kwargs: Any) -> dict[str, Any]:
    return message("button", {"payload": payload, "text": label}, **kwargs)


def voice_note(media_id: str = "1234567890987654321", **kwargs: Any) -> dict[str, Any]:
    audio = {
        "mime_type": "audio/ogg; codecs=opus",
        "sha256": "m04pFf2ERdao+bX3i=",
        "id": media_id,
        "voice": True,
    }
    return message("audio", audio, **kwargs)


def image(media_id: str = "65463453", caption: str | None = None, **kwargs: Any) -> dict[str, Any]:
    content = {"mime_type": "image/jpeg", "sha256": "4654+8g=", "id": media_id}
    if caption:
        content["caption"] = caption
    return message("image", content, **kwargs)


def status(
    provider_message_id: str,
    state: str,
    *,
    recipient: str = "16505551234",
    error: tuple[int, str] | None = None,
    callback_data: str | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": provider_message_id,
        "status": state,
        "timestamp": "1749416400",
        "recipient_id": recipient,
    }
    if callback_data:
        result["biz_opaque_callback_data"] = callback_data
    if error:
        code, title = error
        result["errors"] = [
            {
                "code": code,
                "title": title,
                "message": title,
                "error_data": {"details": f"{title} (details)"},
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
            }
        ]
    return result
