"""E-mail: one mailbox or list per destination, plain text and HTML, through askwhy's SMTP sender
(the one that sends invitations: the same server, TLS, login and reading of SMTP replies).

A 5xx reply (no such mailbox) fails for good; a 4xx reply, a refused login or no connection is
retried. The Message-ID comes from the notification's id, so a retried alert is one e-mail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from askwhy.alerts.destinations.base import Message, Outcome, templates, test_message
from askwhy.channels.base import SendError
from askwhy.channels.email import EmailSender
from askwhy.settings import Settings


class AlertMailer(EmailSender):
    """The invitation sender's SMTP delivery, for messages askwhy composes itself."""

    def deliver(self, email: EmailMessage) -> None:
        self._deliver(email)


@dataclass(frozen=True)
class Email:
    to: str
    mailer: AlertMailer
    from_address: str
    kind: str = "email"

    def render(self, message: Message) -> str:
        return render_email(message)

    def notify(self, payload: str, *, notification_id: str) -> Outcome:
        try:
            self.mailer.deliver(self.compose(payload, notification_id=notification_id))
        except SendError as error:
            if error.permanent:
                return Outcome.failed(error.reason)
            return Outcome.retry(error.reason, after_seconds=error.retry_after_seconds)
        return Outcome.delivered()

    def compose(self, payload: str, *, notification_id: str) -> EmailMessage:
        """The rendered alert as a ``multipart/alternative`` e-mail."""
        parts = json.loads(payload)
        email = EmailMessage()
        email["Subject"] = " ".join(parts["subject"].split())  # a label's line break adds no header
        email["From"] = self.from_address
        email["To"] = self.to
        email["Date"] = format_datetime(datetime.now(UTC))
        domain = parseaddr(self.from_address)[1].rpartition("@")[2] or "askwhy.invalid"
        email["Message-ID"] = f"<{notification_id}.alert@{domain}>"
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(parts["text"])
        email.add_alternative(parts["html"], subtype="html")
        return email

    def test(self) -> Outcome:
        return self.notify(self.render(test_message(self.kind)), notification_id=f"test-{self.to}")


def render_email(message: Message) -> str:
    """The e-mail's subject, plain text and HTML, as the JSON the outbox stores."""
    environment = templates()
    parts = {
        "subject": message.title,
        "text": environment.get_template("email.txt").render(message=message),
        "html": environment.get_template("email.html").render(message=message),
    }
    return json.dumps(parts, ensure_ascii=False)


def mailer_from(settings: Settings) -> tuple[AlertMailer, str] | None:
    """The SMTP sender and From address the settings give; None when e-mail is not configured."""
    sender = settings.alert_email_from or settings.email_from
    if not (settings.smtp_host and sender):
        return None
    mailer = AlertMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        from_address=sender,
        link_for=_no_links,
        link_max_age=timedelta(0),
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        use_ssl=settings.smtp_ssl,
        timeout_seconds=settings.smtp_timeout_seconds,
    )
    return mailer, sender


def _no_links(conversation_id: str, now: datetime) -> str:
    raise LookupError("alert e-mails carry no chat links")
