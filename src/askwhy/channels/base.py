"""The contract every channel shares: verify a webhook, parse it into events, send a message.

Providers differ in wire formats; askwhy's core sees only these types. Rich content degrades:
a channel that cannot show buttons sends the choices as numbered text (`as_numbered_text`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from askwhy.domain.conversation import Channel, Choice


@dataclass(frozen=True)
class InboundEvent:
    """A customer's message, normalised."""

    channel: Channel
    provider_message_id: str
    sender: str
    """The customer's address on the channel: E.164 phone, WhatsApp user id, e-mail."""
    text: str
    received_at: datetime
    media_type: str | None = None
    media_id: str | None = None
    choice_id: str | None = None
    recipient: str | None = None
    """The business number or id the message was sent to."""
    profile_name: str | None = None


@dataclass(frozen=True)
class StatusEvent:
    """A delivery status for a message askwhy sent (sent, delivered, read, failed, played…)."""

    channel: Channel
    provider_message_id: str
    status: str
    at: datetime
    error_code: str | None = None
    error_reason: str | None = None
    idempotency_key: str | None = None
    """The `OutgoingMessage.idempotency_key` the provider echoed back (callback data), if any.

    It lets a status be matched to its message even when the worker died before it could record
    the provider's message id, so the message is not sent a second time."""
    raw: Mapping[str, Any] = field(default_factory=dict)
    """The provider's own status object, kept with the event for audits."""


WebhookEvent = InboundEvent | StatusEvent

# The longest value of each kind the store keeps; a parser refuses a longer one (no provider sends it).
MAX_PROVIDER_ID_CHARS = 200
MAX_ADDRESS_CHARS = 64
MAX_STATUS_CHARS = 40
MAX_CODE_CHARS = 100
"""Error codes, and message kinds (a media type is kept as ``kind`` or ``interactive:kind``)."""
MAX_KEY_CHARS = 64
"""askwhy's own idempotency keys: a longer one echoed back is not askwhy's."""


@dataclass(frozen=True)
class RejectedItem:
    """One message or status of a delivery that could not be read, set aside with its reason.

    The valid items beside it are stored as usual; this one can be dead-lettered and looked at."""

    channel: Channel
    reason: str
    """Why it was refused, in one line that names the field (no customer data)."""
    raw: str
    """The item as received, as ASCII JSON text: lone surrogates and NULs escaped, safe to store."""
    provider_message_id: str | None = None


@dataclass(frozen=True)
class ReadDelivery:
    """Everything in one delivery: the events read from it, and the items refused one by one."""

    events: list[WebhookEvent]
    rejected: list[RejectedItem] = field(default_factory=list)


@dataclass(frozen=True)
class Template:
    """A provider-approved template, required to start a conversation on some channels."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to deliver. ``idempotency_key`` is stable across retries of the same message."""

    to: str
    text: str
    idempotency_key: str
    choices: tuple[Choice, ...] = ()
    template: Template | None = None
    conversation_id: str | None = None


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    status: str = "sent"


@dataclass
class SendError(Exception):
    """A send that did not go through. ``permanent`` errors are not retried."""

    reason: str
    permanent: bool = False
    code: str | None = None
    retry_after_seconds: float | None = None
    needs_template: bool = False
    """The provider refused free text (e.g. WhatsApp's 24-hour window closed): send a template."""
    recipient_opted_out: bool = False
    """The provider refused because the customer opted out with it (Twilio 21610, after STOP)."""
    unavailable: bool = False
    """The provider itself failed (a server error, no answer in time, unreachable), not this
    message: the outbox holds the channel's sends until a probe gets through."""

    def __str__(self) -> str:
        return f"{self.code or 'error'}: {self.reason}"


class Sender(Protocol):
    """Delivers messages on one channel. Blocking; called from worker threads, never from async code."""

    channel: Channel

    def send(self, message: OutgoingMessage) -> SendResult: ...


class WebhookVerifier(Protocol):
    def verify(self, *, url: str, headers: Mapping[str, str], body: bytes) -> bool: ...


@dataclass
class RecordingSender:
    """A fake sender for tests and demos: records what it was asked to send."""

    channel: Channel
    sent: list[OutgoingMessage] = field(default_factory=list)
    failures: list[SendError] = field(default_factory=list)
    """Errors to raise, in order, before sends start succeeding."""

    def send(self, message: OutgoingMessage) -> SendResult:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return SendResult(provider_message_id=f"fake-{len(self.sent)}-{message.idempotency_key}")


def storable(text: str) -> str:
    """The text with what no database stores (lone surrogates, NUL) replaced by U+FFFD."""
    if "\x00" not in text:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            return text
    # Through UTF-16: a surrogate pair becomes its character again, a lone surrogate U+FFFD.
    units = text.replace("\x00", "\ufffd").encode("utf-16-le", "surrogatepass")
    return units.decode("utf-16-le", "replace")


def as_numbered_text(text: str, choices: Sequence[Choice]) -> str:
    """Choices as plain text, for channels that cannot show buttons."""
    if not choices:
        return text
    if all(choice.title.isdigit() for choice in choices):
        return f"{text} ({choices[0].title}–{choices[-1].title})"
    options = "\n".join(f"{index}. {choice.title}" for index, choice in enumerate(choices, start=1))
    return f"{text}\n{options}"
