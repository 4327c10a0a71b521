"""Request bodies for ``POST /{version}/{phone-number-id}/messages``.

Choices become reply buttons (at most 3, titles up to 20 characters) or a list (at most 10 rows
in all, titles up to 24 characters). Choices that fit neither, such as an NPS scale of 0–10
(11 options), are sent as numbered text, which the interviewer understands as well as a tap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from askwhy.channels.base import OutgoingMessage, as_numbered_text
from askwhy.domain.conversation import Choice

MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_CHOICE_ID = 200
MAX_INTERACTIVE_BODY = 1024
MAX_TEXT_BODY = 4096
MAX_CALLBACK_DATA = 512


def request_body(message: OutgoingMessage) -> dict[str, Any]:
    """The JSON body that sends ``message``: a template, interactive choices, or text."""
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    body.update(_addressee(message.to))
    body["biz_opaque_callback_data"] = message.idempotency_key[:MAX_CALLBACK_DATA]
    if message.template is not None:
        body["type"] = "template"
        body["template"] = _template(message)
    elif interactive := _interactive(message.text, message.choices):
        body["type"] = "interactive"
        body["interactive"] = interactive
    else:
        body["type"] = "text"
        body["text"] = {"preview_url": False, "body": as_numbered_text(message.text, message.choices)}
    return body


def _addressee(to: str) -> dict[str, str]:
    """A phone number goes in ``to`` (digits only); a business-scoped user id in ``recipient``."""
    digits = to.removeprefix("+")
    return {"to": digits} if digits.isdigit() else {"recipient": to}


def _template(message: OutgoingMessage) -> dict[str, Any]:
    assert message.template is not None
    template: dict[str, Any] = {
        "name": message.template.name,
        "language": {"code": message.template.language},
    }
    if message.template.parameters:
        parameters = [{"type": "text", "text": value} for value in message.template.parameters]
        template["components"] = [{"type": "body", "parameters": parameters}]
    return template


def _interactive(text: str, choices: Sequence[Choice]) -> dict[str, Any] | None:
    if not choices or not text or len(text) > MAX_INTERACTIVE_BODY:
        return None
    if any(len(choice.id) > MAX_CHOICE_ID or not choice.title for choice in choices):
        return None
    titles = [choice.title for choice in choices]
    if len(set(titles)) != len(titles):
        return None
    if len(choices) <= MAX_BUTTONS and all(len(title) <= MAX_BUTTON_TITLE for title in titles):
        return _buttons(text, choices)
    if len(choices) <= MAX_LIST_ROWS and all(len(title) <= MAX_ROW_TITLE for title in titles):
        label = _list_label(choices)
        if label is not None:
            return _list(text, choices, label)
    return None


def _buttons(text: str, choices: Sequence[Choice]) -> dict[str, Any]:
    buttons = [{"type": "reply", "reply": {"id": c.id, "title": c.title}} for c in choices]
    return {"type": "button", "body": {"text": text}, "action": {"buttons": buttons}}


def _list(text: str, choices: Sequence[Choice], label: str) -> dict[str, Any]:
    rows = [{"id": c.id, "title": c.title} for c in choices]
    return {
        "type": "list",
        "body": {"text": text},
        "action": {"button": label, "sections": [{"title": label, "rows": rows}]},
    }


def _list_label(choices: Sequence[Choice]) -> str | None:
    """The list's button: the scale itself ("1–5"), which needs no translation.

    Lists of words would need a label in the conversation's language, which a message does not
    carry; those are sent as numbered text instead.
    """
    if not all(choice.title.isdigit() for choice in choices):
        return None
    label = f"{choices[0].title}–{choices[-1].title}"
    return label if len(label) <= MAX_BUTTON_TITLE else None
