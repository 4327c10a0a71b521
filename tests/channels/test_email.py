"""E-mail invitations over SMTP (a local aiosmtpd server), their signed links, and the chat behind them."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from askwhy import conversations
from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.channels.base import OutgoingMessage, SendError
from askwhy.channels.email import EmailSender
from askwhy.clock import FakeClock
from askwhy.domain.conversation import Channel
from askwhy.outbox.delivery import deliver_due
from askwhy.outreach import chat_links
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.tables import Message

PUBLIC = "https://feedback.example.com"
SECRET = "a-test-secret-that-is-long-enough-to-sign-links"
CUSTOMER = "ana@example.org"


@dataclass
class Mailbox:
    """An SMTP handler that keeps what it receives and refuses recipients on request."""

    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse_with: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def only_login(server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"askwhy", b"s3cret")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp_port(mailbox: Mailbox) -> Iterator[int]:
    port = free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, authenticator=only_login, auth_require_tls=False
    )
    controller.start()
    yield port
    controller.stop()


def sender(port: int, clock: FakeClock | None = None, **options: Any) -> EmailSender:
    return EmailSender(
        host="127.0.0.1",
        port=port,
        from_address="Acme Feedback <feedback@acme.example>",
        link_for=chat_links.link_maker(secret_key=SECRET, base_url=PUBLIC),
        link_max_age=timedelta(hours=72),
        starttls=False,
        timeout_seconds=5,
        clock=clock,
        **options,
    )


def invitation(conversation_id: str = "conv-1") -> OutgoingMessage:
    return OutgoingMessage(
        to=CUSTOMER,
        text="How likely are you to recommend Acme to a friend?",
        idempotency_key="key-42",
        conversation_id=conversation_id,
    )


def link_in(text: str) -> str:
    return next(word for word in text.split() if word.startswith(f"{PUBLIC}/c/"))


def token_of(link: str) -> str:
    return unquote(urlsplit(link).path.removeprefix("/c/"))


def test_an_invitation_has_a_text_and_an_html_part_with_a_link_that_verifies(
    smtp_port: int, mailbox: Mailbox, clock: FakeClock
) -> None:
    result = sender(smtp_port, clock).send(invitation())
    [received] = mailbox.received
    assert mailbox.envelopes == [("feedback@acme.example", [CUSTOMER])]
    assert received.get_content_type() == "multipart/alternative"
    assert received["To"] == CUSTOMER
    assert received["Message-ID"] == result.provider_message_id == "<key-42.invitation@acme.example>"
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    plain, markup = text.get_content(), html.get_content()
    assert "How likely are you to recommend Acme to a friend?" in plain
    assert "How likely are you to recommend Acme to a friend?" in markup
    link = link_in(plain)
    assert f'href="{link}"' in markup
    assert "3 days" in plain
    token = token_of(link)
    assert (
        chat_links.conversation_of(
            secret_key=SECRET, token=token, max_age=timedelta(hours=72), now=clock.now() + timedelta(hours=71)
        )
        == "conv-1"
    )
    with pytest.raises(chat_links.LinkExpired):
        chat_links.conversation_of(
            secret_key=SECRET, token=token, max_age=timedelta(hours=72), now=clock.now() + timedelta(hours=73)
        )


def test_html_in_the_question_is_escaped(smtp_port: int, mailbox: Mailbox) -> None:
    message = OutgoingMessage(
        to=CUSTOMER, text="<b>Hi</b> & welcome", idempotency_key="k", conversation_id="c"
    )
    sender(smtp_port).send(message)
    html = mailbox.received[0].get_body(preferencelist=("html",))
    assert html is not None
    assert "&lt;b&gt;Hi&lt;/b&gt; &amp; welcome" in html.get_content()


def test_the_smtp_login_is_used_when_configured(smtp_port: int, mailbox: Mailbox) -> None:
    sender(smtp_port, username="askwhy", password=SecretStr("s3cret")).send(invitation())
    assert len(mailbox.received) == 1
    with pytest.raises(SendError) as raised:
        sender(smtp_port, username="askwhy", password=SecretStr("wrong")).send(invitation())
    assert (raised.value.code, raised.value.permanent) == ("smtp_auth", False)


def test_a_refused_mailbox_is_permanent_and_a_busy_one_is_retried(smtp_port: int, mailbox: Mailbox) -> None:
    mailbox.refuse_with = "550 5.1.1 No such user here"
    with pytest.raises(SendError) as raised:
        sender(smtp_port).send(invitation())
    assert (raised.value.code, raised.value.permanent) == ("smtp_550", True)
    assert "No such user" in raised.value.reason
    mailbox.refuse_with = "451 4.3.0 Try again later"
    with pytest.raises(SendError) as raised:
        sender(smtp_port).send(invitation())
    assert (raised.value.code, raised.value.permanent) == ("smtp_451", False)
    assert mailbox.received == []


def test_an_unreachable_server_is_retried() -> None:
    with pytest.raises(SendError) as raised:
        sender(free_port()).send(invitation())
    assert raised.value.code == "smtp_connection"
    assert not raised.value.permanent


@pytest.fixture
def email_container(settings: Settings, clock: FakeClock, smtp_port: int) -> Iterator[Container]:
    configured = settings.model_copy(
        update={"public_base_url": PUBLIC, "secret_key": SecretStr(SECRET), "email_link_max_age_hours": 72}
    )
    built = bootstrap(
        configured, clock=clock, senders={Channel.EMAIL: sender(smtp_port, clock)}, embedder=HashingEmbedder()
    )
    yield built
    built.close()


@pytest.fixture
def app(email_container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(email_container), base_url=PUBLIC) as test_client:
        yield test_client


def invite_by_email(container: Container) -> str:
    with container.sessions.begin() as session:
        reply = conversations.start_conversation(
            session=session,
            guide=container.guides["post-checkout"],
            program="post-checkout",
            channel=Channel.EMAIL,
            channel_address=CUSTOMER,
            now=container.clock.now(),
        )
    return reply.conversation_id


def test_the_invitation_link_opens_the_conversation_in_the_web_chat_and_replies_stay_there(
    app: TestClient, email_container: Container, mailbox: Mailbox
) -> None:
    conversation_id = invite_by_email(email_container)
    deliver_due(ports=email_container.delivering)
    [invitation_mail] = mailbox.received
    body = invitation_mail.get_body(preferencelist=("plain",))
    assert body is not None
    link = link_in(body.get_content())

    landing = app.get(urlsplit(link).path, follow_redirects=False)
    assert landing.status_code == 200, "the link answers the chat page, with this conversation's token"
    assert landing.headers["cache-control"] == "no-store"
    assert f'data-conversation="{conversation_id}"' in landing.text
    [token] = re.findall(r'data-token="([^"]+)"', landing.text)

    bearer = {"Authorization": f"Bearer {token}"}
    shown = app.get(f"/v1/conversations/{conversation_id}", headers=bearer).json()
    assert "recommend" in shown["messages"][0]["text"]
    reply = app.post(f"/v1/conversations/{conversation_id}/messages", json={"text": "9"}, headers=bearer)
    assert reply.status_code == 200
    assert reply.json()["messages"], "the web chat gets its answer in the response"
    deliver_due(ports=email_container.delivering)
    assert len(mailbox.received) == 1, "answers in the web chat are not e-mailed"
    with email_container.sessions() as session:
        pending = session.scalars(select(Message).where(Message.status == "pending")).all()
        assert pending == []


def test_an_expired_link_gets_a_friendly_410_page(
    app: TestClient, email_container: Container, clock: FakeClock
) -> None:
    conversation_id = invite_by_email(email_container)
    token = chat_links.sign(secret_key=SECRET, conversation_id=conversation_id, now=clock.now())
    clock.advance(hours=73)
    page = app.get(f"/c/{token}", follow_redirects=False)
    assert page.status_code == 410
    assert page.headers["content-type"].startswith("text/html")
    assert "expired" in page.text


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        chat_links.sign(secret_key="some-other-secret", conversation_id="x", now=FakeClock().now()),
    ],
)
def test_a_tampered_link_gets_a_400_page(app: TestClient, token: str) -> None:
    page = app.get(f"/c/{token}", follow_redirects=False)
    assert page.status_code == 400
    assert "does not work" in page.text


def test_a_tampered_conversation_id_is_refused(app: TestClient, email_container: Container) -> None:
    conversation_id = invite_by_email(email_container)
    token = chat_links.sign(
        secret_key=SECRET, conversation_id=conversation_id, now=email_container.clock.now()
    )
    payload, _, rest = token.partition(".")
    forged = chat_links.sign(
        secret_key=SECRET, conversation_id="someone-else", now=email_container.clock.now()
    )
    assert app.get(f"/c/{forged.partition('.')[0]}.{rest}", follow_redirects=False).status_code == 400
    assert app.get(f"/c/{payload}.{rest}", follow_redirects=False).status_code == 200


def test_a_link_to_a_removed_conversation_is_404(app: TestClient, clock: FakeClock) -> None:
    token = chat_links.sign(secret_key=SECRET, conversation_id="gone", now=clock.now())
    assert app.get(f"/c/{token}", follow_redirects=False).status_code == 404
