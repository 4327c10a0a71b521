"""Destinations as transports: one small class per kind, each with ``render``, ``notify`` and
``test``, built from a stored destination (kind, target, secret) and the settings."""

from __future__ import annotations

from collections.abc import Callable

from askwhy.alerts import signing
from askwhy.alerts.destinations.base import Message, Outcome, Status, Transport, render_json, resolve
from askwhy.alerts.destinations.email import Email, mailer_from, render_email
from askwhy.alerts.destinations.slack import Slack
from askwhy.alerts.destinations.teams import Teams
from askwhy.alerts.destinations.webhook import SignedWebhook, render_event
from askwhy.settings import Settings

KINDS = ("slack", "teams", "email", "webhook")

RENDERERS: dict[str, Callable[[Message], str]] = {
    "slack": lambda message: render_json("slack.json", message),
    "teams": lambda message: render_json("teams.json", message),
    "email": render_email,
    "webhook": render_event,
}
"""Each kind's rendering, which needs no settings: a notification is rendered when created."""

__all__ = ["KINDS", "RENDERERS", "Message", "Outcome", "Status", "Transport", "check", "transport"]


def transport(*, kind: str, target: str, secret: str | None, settings: Settings) -> Transport:
    """The transport of one destination; raises LookupError when its settings are missing."""
    timeout = settings.notification_timeout_seconds
    address = resolve(target)
    if kind == "slack":
        return Slack(address, timeout_seconds=timeout)
    if kind == "teams":
        return Teams(address, timeout_seconds=timeout)
    if kind == "webhook":
        if not secret:
            raise LookupError("a webhook destination needs its whsec_ secret")
        return SignedWebhook(address, resolve(secret), timeout_seconds=timeout)
    if kind == "email":
        configured = mailer_from(settings)
        if configured is None:
            raise LookupError(
                "alert e-mail needs ASKWHY_SMTP_HOST and ASKWHY_ALERT_EMAIL_FROM (or ASKWHY_EMAIL_FROM)"
            )
        mailer, sender = configured
        return Email(address, mailer, sender)
    raise LookupError(f"unknown destination kind {kind!r}")


def check(*, kind: str, target: str, secret: str | None) -> None:
    """Refuse a destination that cannot work, naming the field: ValueError."""
    if kind not in KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    if target.startswith("env:"):
        return
    if kind == "email":
        if "@" not in target:
            raise ValueError(f"target: {target!r} is not an e-mail address")
    elif not target.startswith(("https://", "http://")):
        raise ValueError("target: a webhook URL starting with https:// is needed")
    if (
        kind == "webhook"
        and secret is not None
        and not secret.startswith("env:")
        and not signing.is_secret(secret)
    ):
        raise ValueError("secret: a Standard Webhooks secret starts with whsec_ followed by base64")
