"""E-mail invitations: the opening question and a signed link to continue in the web chat, over SMTP.

Each invitation is one ``multipart/alternative`` message (plain text and HTML, rendered from
``channels/templates``) whose link is valid for ``ASKWHY_EMAIL_LINK_MAX_AGE_HOURS``. The link is
made by the sender's caller (a `ChatLink`, `askwhy.outreach.chat_links.link_maker`): a channel
carries links, it does not sign them. The conversation itself happens in the web chat, not by e-mail.
`smtplib` blocks, so `EmailSender.send` runs in worker threads only; the Message-ID is derived from
the idempotency key, so a retried invitation carries the same id.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import SecretStr

from askwhy.channels.adapter import ChatLink
from askwhy.channels.base import OutgoingMessage, SendError, SendResult, as_numbered_text
from askwhy.clock import Clock, SystemClock
from askwhy.domain.conversation import Channel
from askwhy.settings import Settings

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
RETRY_SECONDS = 60.0


class EmailSender:
    """Sends invitation e-mails through one SMTP server; a new connection per message."""

    channel = Channel.EMAIL

    def __init__(
        self,
        *,
        host: str,
        port: int,
        from_address: str,
        link_for: ChatLink,
        link_max_age: timedelta,
        subject: str = "Two minutes of your feedback?",
        username: str | None = None,
        password: SecretStr | None = None,
        starttls: bool = True,
        use_ssl: bool = False,
        timeout_seconds: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        self._host, self._port = host, port
        self._from = from_address
        self._link_for = link_for
        self._link_max_age = link_max_age
        self._subject = subject
        self._login = (username, password.get_secret_value() if password else "") if username else None
        self._starttls, self._ssl = starttls, use_ssl
        self._timeout = timeout_seconds
        self._clock = clock or SystemClock()
        self._templates = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            keep_trailing_newline=True,
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.conversation_id:
            raise SendError(
                "an invitation e-mail needs its conversation", code="no_conversation", permanent=True
            )
        email = self.compose(message)
        try:
            self._deliver(email)
        except SendError as error:
            log.warning(
                "e-mail send failed: conversation=%s key=%s code=%s permanent=%s",
                message.conversation_id,
                message.idempotency_key,
                error.code,
                error.permanent,
            )
            raise
        return SendResult(provider_message_id=str(email["Message-ID"]), status="sent")

    def compose(self, message: OutgoingMessage) -> EmailMessage:
        """The invitation as a ``multipart/alternative`` e-mail (text first, then HTML)."""
        now = self._clock.now()
        assert message.conversation_id is not None
        question = as_numbered_text(message.text, message.choices)
        context = {
            "subject": self._subject,
            "question": question,
            "question_lines": [line for line in question.splitlines() if line.strip()],
            "link": self._link_for(message.conversation_id, now),
            "valid_for": _duration(self._link_max_age),
        }
        email = EmailMessage()
        email["Subject"] = self._subject
        email["From"] = self._from
        email["To"] = message.to
        email["Date"] = format_datetime(now.astimezone(UTC))
        email["Message-ID"] = f"<{message.idempotency_key}.invitation@{_domain(self._from)}>"
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(self._templates.get_template("invitation.txt").render(context))
        email.add_alternative(self._templates.get_template("invitation.html").render(context), subtype="html")
        return email

    def _deliver(self, email: EmailMessage) -> None:
        try:
            with self._connect() as smtp:
                if self._starttls and not self._ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if self._login:
                    smtp.login(*self._login)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _refused(code, reply) from None
        except smtplib.SMTPAuthenticationError:
            # A settings problem the operator fixes: keep the invitation and try again later.
            raise SendError(
                "the SMTP server refused the login (ASKWHY_SMTP_USERNAME / ASKWHY_SMTP_PASSWORD)",
                code="smtp_auth",
                retry_after_seconds=RETRY_SECONDS,
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise _refused(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(
                f"could not reach the SMTP server ({type(exc).__name__})",
                code="smtp_connection",
                retry_after_seconds=RETRY_SECONDS,
            ) from None

    def _connect(self) -> smtplib.SMTP:
        if self._ssl:
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=context)
        return smtplib.SMTP(self._host, self._port, timeout=self._timeout)


def build_sender(settings: Settings, *, link_for: ChatLink | None) -> EmailSender:
    """The e-mail sender (the senders registry calls this when SMTP and a From address are set),
    carrying the links ``link_for`` makes."""
    if not (settings.smtp_host and settings.email_from):
        raise ValueError("e-mail needs ASKWHY_SMTP_HOST and ASKWHY_EMAIL_FROM")
    if link_for is None:
        raise ValueError("e-mail invitations need the maker of their chat links (link_for)")
    return EmailSender(
        host=settings.smtp_host,
        port=settings.smtp_port,
        from_address=settings.email_from,
        link_for=link_for,
        link_max_age=timedelta(hours=settings.email_link_max_age_hours),
        subject=settings.email_subject,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        use_ssl=settings.smtp_ssl,
        timeout_seconds=settings.smtp_timeout_seconds,
    )


def _refused(code: int, reply: bytes | str) -> SendError:
    """5xx replies are final (no such mailbox, rejected); 4xx ones are worth another try."""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    reason = f"the SMTP server answered {code}: {text}"
    if code >= 500:
        return SendError(reason, code=f"smtp_{code}", permanent=True)
    return SendError(reason, code=f"smtp_{code}", retry_after_seconds=RETRY_SECONDS)


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "askwhy.invalid"


def _duration(age: timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    if hours >= 48 and hours % 24 == 0:
        return f"{hours // 24} days"
    return f"{hours} hours" if hours != 1 else "1 hour"
