"""An owner replies from the case on the conversation's channel, the customer's answer lands in
the case, opt-outs are honoured, and the follow-up question goes out on resolve and is scored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.cases import lifecycle, replies
from askwhy.cases.measures import measures
from askwhy.cases.notices import RecordingNotifier
from askwhy.channels.email import EmailSender
from askwhy.channels.twilio_api import TwilioApi
from askwhy.channels.twilio_sms import TwilioSmsSender
from askwhy.channels.whatsapp.sender import WhatsAppSender
from askwhy.clock import FakeClock
from askwhy.customers import consent
from askwhy.domain.conversation import Channel, Step
from askwhy.domain.program import Program
from askwhy.outbox import delivery
from askwhy.outreach import chat_links
from askwhy.programs.syncing import sync_programs
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.case_tables import Case
from askwhy.store.tables import Contact, Conversation, Message
from tests.cases.conftest import TEAM
from tests.channels import twilio_forms as tw
from tests.channels import whatsapp_deliveries as wa
from tests.channels.test_email import Mailbox, mailbox, smtp_port
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.twilio_api import FakeTwilioApi

from .helpers import accept_contact, cases, events, say

TOKEN = "EAAG-cases"
PHONE = "447700900123"
PROGRAM: dict[str, Any] = {
    "id": "post-checkout",
    "name": "After checkout",
    "guide": "post-checkout",
    "moments": ["order_delivered"],
    "channels": [
        {"channel": "whatsapp", "template": {"name": "case_reply", "language": "en_US"}},
        {"channel": "sms"},
        {"channel": "email"},
    ],
    "quiet_hours": {"start": "00:00", "end": "00:00"},
    "teams": [TEAM],
}
OWNER = "ana@example.com"
PUBLIC = "https://askwhy.test"
TWILIO_ACCOUNT, TWILIO_TOKEN = "AC" + "0" * 32, "twilio-token"

__all__ = ["mailbox", "smtp_port"]  # fixtures


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi(access_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def twilio() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(account_sid=TWILIO_ACCOUNT, auth_token=TWILIO_TOKEN) as fake:
        yield fake


@pytest.fixture
def container(
    settings: Settings, clock: FakeClock, graph: FakeGraphApi, twilio: FakeTwilioApi, smtp_port: int
) -> Iterator[Container]:
    configured = settings.model_copy(
        update={
            "whatsapp_app_secret": SecretStr(wa.APP_SECRET),
            "whatsapp_phone_number_id": wa.BUSINESS_NUMBER_ID,
            "whatsapp_access_token": SecretStr(TOKEN),
            "whatsapp_api_base_url": graph.base_url,
            "rate_limit_conversation_starts": "1000/minute",
            "public_base_url": tw.PUBLIC,
            "twilio_account_sid": TWILIO_ACCOUNT,
            "twilio_auth_token": SecretStr(TWILIO_TOKEN),
        }
    )
    whatsapp = WhatsAppSender(phone_number_id=wa.BUSINESS_NUMBER_ID, access_token=SecretStr(TOKEN),
                            base_url=graph.base_url, timeout_seconds=2)  # fmt: skip
    api = TwilioApi(account_sid=TWILIO_ACCOUNT, auth_token=SecretStr(TWILIO_TOKEN), base_url=twilio.base_url,
                    timeout_seconds=2)  # fmt: skip
    senders = {
        Channel.WHATSAPP: whatsapp,
        Channel.SMS: TwilioSmsSender(
            api=api, status_callback_url="https://askwhy.test/s", from_number="+15550001"
        ),
        Channel.EMAIL: EmailSender(  # its links signed with the app's key, so they open the chat
            host="127.0.0.1",
            port=smtp_port,
            from_address="Acme <feedback@acme.example>",
            starttls=False,
            link_for=chat_links.link_maker(
                secret_key=configured.secret_key.get_secret_value(), base_url=tw.PUBLIC
            ),
            link_max_age=timedelta(hours=72),
            timeout_seconds=5,
            clock=clock,
        ),
    }
    built = bootstrap(configured, clock=clock, senders=senders, embedder=HashingEmbedder())
    with built.sessions.begin() as session:
        program = Program.model_validate(PROGRAM)
        sync_programs(session=session, programs={"post-checkout": (program, Path("p.yaml"))}, now=clock.now())
    yield built
    built.close()
    whatsapp.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def seeded_case(
    container: Container,
    channel: Channel,
    address: str,
    *,
    window_hours: float = 0,
    contact_wish: bool | None = None,
) -> str:
    """A detractor's case on an ended conversation of ``channel``, its reply window that long open;
    ``contact_wish`` is the customer's last word on contact in the conversation."""
    now = container.clock.now()
    state: dict[str, Any] = {"status": "completed", "step": Step.DONE.value, "language": "en", "score": 2}
    state["close_the_loop"] = contact_wish
    with container.sessions.begin() as session:
        contact = Contact(phone=f"+{PHONE}", email="ann@example.com", created_at=now)
        session.add(contact)
        session.flush()
        conversation = Conversation(
            contact_id=contact.id, program="post-checkout", guide_id="post-checkout", channel=channel.value,
            status="completed", language="en", state=state, started_at=now, last_activity_at=now,
            ended_at=now, channel_address=address,
            reply_window_until=now + timedelta(hours=window_hours) if window_hours else None,
        )  # fmt: skip
        session.add(conversation)
        session.flush()
        case = Case(
            program="post-checkout", conversation_id=conversation.id, contact_id=contact.id,
            channel=channel.value, reason="accepted_contact", score=2, band="detractor", priority="normal",
            team="care", owner=OWNER, status="open", opened_at=now, updated_at=now,
        )  # fmt: skip
        session.add(case)
        session.flush()
        return case.id


def reply(container: Container, case_id: str, text: str) -> Case:
    with container.sessions.begin() as session:
        return replies.reply(
            session=session, case_id=case_id, text=text, actor=OWNER, now=container.clock.now(),
            notifier=RecordingNotifier(),
        )  # fmt: skip


def resolve(container: Container, case_id: str) -> None:
    with container.sessions.begin() as session:
        lifecycle.resolve(
            session=session, case_id=case_id, actor=OWNER, now=container.clock.now(),
            notifier=RecordingNotifier(),
        )  # fmt: skip


def outbound(container: Container, case_id: str) -> list[Message]:
    with container.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        query = select(Message).where(
            Message.conversation_id == case.conversation_id, Message.direction == "out"
        )
        return list(session.scalars(query.order_by(Message.seq)))


def case_of(container: Container, case_id: str) -> Case:
    with container.sessions() as session:
        found = session.get(Case, case_id)
        assert found is not None
        return found


def whatsapp_webhook(client: TestClient, text: str) -> None:
    body = wa.encode(wa.delivery(wa.value(messages=[wa.text(text, sender=PHONE)])))
    response = client.post("/webhooks/whatsapp", content=body, headers=wa.headers(body))
    assert response.status_code == 200, response.text


def sms_webhook(client: TestClient, text: str) -> None:
    form = tw.sms_form(text, sender=f"+{PHONE}", AccountSid=TWILIO_ACCOUNT, To="+15550001")
    response = tw.post(client, "/webhooks/twilio/sms", form, token=TWILIO_TOKEN)
    assert response.status_code == 200, response.text


def test_a_web_chat_reply_shows_in_the_chat_and_the_customers_answer_lands_in_the_case(
    client: TestClient, container: Container
) -> None:
    opened = accept_contact(client)
    [case] = cases(container)
    assert reply(container, case.id, "So sorry, a new box is on its way.").status == "waiting_customer"
    shown = client.get(
        f"/v1/conversations/{opened['conversation_id']}",
        headers={"Authorization": f"Bearer {opened['token']}"},
    ).json()
    assert shown["messages"][-1]["text"] == "So sorry, a new box is on its way."
    assert (shown["status"], shown["takes_answers"]) == ("completed", True)  # the chat stays writable

    answered = say(client, opened, "thank you, I will look out for it")
    assert answered["messages"] == []  # the interview does not start again
    assert case_of(container, case.id).status == "in_progress"
    kinds = [(e.kind, e.actor) for e in events(container, case.id)]
    assert ("reply_sent", OWNER) in kinds
    assert kinds[-1] == ("customer_replied", None)
    assert all("new box" not in (e.note or "") + str(e.details) for e in events(container, case.id))

    resolve(container, case.id)
    scored = say(client, opened, "9")
    assert scored["takes_answers"] is False  # nothing waits for the customer any more: the chat ends
    assert case_of(container, case.id).follow_up_score == 9
    closed = client.post(
        f"/v1/conversations/{opened['conversation_id']}/messages",
        json={"text": "one more thing"},
        headers={"Authorization": f"Bearer {opened['token']}"},
    )
    assert closed.status_code == 409


def test_whatsapp_inside_the_window_goes_as_text_and_the_answer_lands_in_the_case(
    client: TestClient, container: Container, graph: FakeGraphApi
) -> None:
    case_id = seeded_case(container, Channel.WHATSAPP, f"+{PHONE}", window_hours=3)
    reply(container, case_id, "We refunded you today.")
    delivery.deliver_due(ports=container.delivering)
    [sent] = graph.sent
    assert (sent["type"], sent["text"]["body"]) == ("text", "We refunded you today.")
    whatsapp_webhook(client, "great, got it")
    assert case_of(container, case_id).status == "in_progress"
    assert events(container, case_id)[-1].kind == "customer_replied"


def test_whatsapp_outside_the_window_goes_as_the_programs_template(
    container: Container, graph: FakeGraphApi
) -> None:
    case_id = seeded_case(container, Channel.WHATSAPP, f"+{PHONE}")  # the customer last wrote long ago
    reply(container, case_id, "We refunded you today.")
    [message] = outbound(container, case_id)
    assert message.payload["template"]["name"] == "case_reply"
    delivery.deliver_due(ports=container.delivering)
    [sent] = graph.sent
    assert (sent["type"], sent["template"]["name"]) == ("template", "case_reply")
    assert events(container, case_id)[-1].details["template"] is True


def test_an_sms_reply_goes_through_the_twilio_api_as_text(
    container: Container, twilio: FakeTwilioApi
) -> None:
    case_id = seeded_case(container, Channel.SMS, f"+{PHONE}")
    reply(container, case_id, "Your refund is on its way.")
    [message] = outbound(container, case_id)
    assert (message.channel, message.to_address, message.status) == ("sms", f"+{PHONE}", "sent")
    [form] = twilio.accepted("Messages")
    assert (form["To"], form["Body"]) == (f"+{PHONE}", "Your refund is on its way.")


def test_an_email_reply_is_mailed_to_the_customer_with_a_link_back(
    container: Container, mailbox: Mailbox
) -> None:
    case_id = seeded_case(container, Channel.EMAIL, "ann@example.com")
    reply(container, case_id, "Your refund is on its way.")
    delivery.deliver_due(ports=container.delivering)
    [mail] = mailbox.received
    assert mail["To"] == "ann@example.com"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Your refund is on its way." in body.get_content()
    assert "/c/" in body.get_content()  # the customer answers in the web chat behind the link


def test_a_customer_who_opted_out_or_withdrew_consent_is_not_written_to(container: Container) -> None:
    case_id = seeded_case(container, Channel.SMS, f"+{PHONE}")
    with container.sessions.begin() as session:
        case = session.get(Case, case_id)
        assert case is not None
        contact = session.get(Contact, case.contact_id)
        assert contact is not None
        contact.opted_out_at = container.clock.now()
    with pytest.raises(replies.ReplyRefused, match="opted out"):
        reply(container, case_id, "Hello?")
    assert outbound(container, case_id) == []
    assert case_of(container, case_id).status == "open"

    withdrawn = seeded_case(container, Channel.SMS, f"+{PHONE}")
    with container.sessions.begin() as session:
        case = session.get(Case, withdrawn)
        assert case is not None
        contact = session.get(Contact, case.contact_id)
        assert contact is not None
        consent.set_consent(
            session=session,
            contact=contact,
            channel="sms",
            granted=False,
            at=container.clock.now(),
            source="crm",
        )
    with pytest.raises(replies.ReplyRefused, match="withdrew consent for sms"):
        reply(container, withdrawn, "Hello?")
    assert outbound(container, withdrawn) == []


@pytest.mark.parametrize("channel", [Channel.WHATSAPP, Channel.SMS])
def test_a_customer_who_refused_contact_gets_neither_a_reply_nor_the_follow_up(
    container: Container, graph: FakeGraphApi, twilio: FakeTwilioApi, channel: Channel
) -> None:
    case_id = seeded_case(container, channel, f"+{PHONE}", window_hours=20, contact_wish=False)
    with pytest.raises(replies.ReplyRefused, match="asked not to be contacted"):
        reply(container, case_id, "Hello?")
    resolve(container, case_id)
    assert events(container, case_id)[-1].details["sent"] is False
    delivery.deliver_due(ports=container.delivering)
    assert outbound(container, case_id) == []
    assert (graph.sent, twilio.accepted()) == ([], [])


def test_the_follow_up_goes_out_on_resolve_and_its_answer_counts_as_recovered(
    client: TestClient, container: Container, graph: FakeGraphApi, clock: FakeClock
) -> None:
    case_id = seeded_case(container, Channel.WHATSAPP, f"+{PHONE}", window_hours=20)
    resolve(container, case_id)
    [question] = outbound(container, case_id)
    assert question.text.startswith("Is this sorted for you now?")
    asked = events(container, case_id)[-1]
    assert (asked.kind, asked.details["sent"]) == ("follow_up_asked", True)
    delivery.deliver_due(ports=container.delivering)
    assert graph.sent[-1]["text"]["body"] == question.text

    whatsapp_webhook(client, "9, all good now")
    case = case_of(container, case_id)
    assert (case.follow_up_score, case.status) == (9, "resolved")
    with container.sessions() as session:
        program = measures(session=session, now=clock.now(), program="post-checkout")[0]
    assert (program.recovered, program.follow_ups) == (1.0, 1)


def test_the_follow_up_is_asked_in_spanish_and_not_sent_to_an_opted_out_customer(
    container: Container,
) -> None:
    case_id = seeded_case(container, Channel.SMS, f"+{PHONE}")
    with container.sessions.begin() as session:
        case = session.get(Case, case_id)
        assert case is not None
        conversation = session.get(Conversation, case.conversation_id)
        assert conversation is not None
        conversation.language = "es"
    resolve(container, case_id)
    [question] = outbound(container, case_id)
    assert question.text.startswith("¿Está resuelto ahora?")

    other = seeded_case(container, Channel.SMS, f"+{PHONE}")
    with container.sessions.begin() as session:
        case = session.get(Case, other)
        assert case is not None
        contact = session.get(Contact, case.contact_id)
        assert contact is not None
        contact.opted_out_at = container.clock.now()
    resolve(container, other)
    assert outbound(container, other) == []
    assert events(container, other)[-1].details["sent"] is False


def test_quiet_hours_hold_the_follow_up_but_not_the_owners_reply(
    container: Container, twilio: FakeTwilioApi, clock: FakeClock
) -> None:
    quiet = {**PROGRAM, "quiet_hours": {"start": "20:00", "end": "09:00", "default_time_zone": "UTC"}}
    with container.sessions.begin() as session:
        program = Program.model_validate(quiet)
        sync_programs(session=session, programs={"post-checkout": (program, Path("p.yaml"))}, now=clock.now())
    clock.advance(hours=12)  # Monday 22:00, within the customer's quiet hours
    case_id = seeded_case(container, Channel.SMS, f"+{PHONE}")
    reply(container, case_id, "Sorry for the late answer: refunded.")
    assert [form["Body"] for form in twilio.accepted("Messages")] == ["Sorry for the late answer: refunded."]

    resolve(container, case_id)
    delivery.deliver_due(ports=container.delivering)
    _, question = outbound(container, case_id)
    assert question.text.startswith("Is this sorted for you now?")
    assert question.status == "pending"
    assert question.next_attempt_at is not None
    assert question.next_attempt_at.replace(tzinfo=None) == datetime(2026, 1, 6, 9, 0)
    assert len(twilio.accepted("Messages")) == 1  # held until the quiet hours end

    clock.advance(hours=11)  # Tuesday 09:00
    delivery.deliver_due(ports=container.delivering)
    assert twilio.accepted("Messages")[-1]["Body"] == question.text


def test_an_sms_answer_lands_in_the_case_and_a_stop_after_the_end_opts_out(
    client: TestClient, container: Container, twilio: FakeTwilioApi
) -> None:
    case_id = seeded_case(container, Channel.SMS, f"+{PHONE}")
    reply(container, case_id, "Your refund is on its way.")
    sms_webhook(client, "thanks, got the email")
    assert case_of(container, case_id).status == "in_progress"
    assert events(container, case_id)[-1].kind == "customer_replied"
    sms_webhook(client, "STOP")
    with pytest.raises(replies.ReplyRefused, match="opted out"):
        reply(container, case_id, "One more thing?")


def test_whatsapp_outside_the_window_without_a_template_is_refused_naming_the_channel(
    container: Container, clock: FakeClock
) -> None:
    untemplated = {**PROGRAM, "channels": [{"channel": "whatsapp"}, {"channel": "sms"}, {"channel": "email"}]}
    with container.sessions.begin() as session:
        program = Program.model_validate(untemplated)
        sync_programs(session=session, programs={"post-checkout": (program, Path("p.yaml"))}, now=clock.now())
    case_id = seeded_case(container, Channel.WHATSAPP, f"+{PHONE}")
    with pytest.raises(replies.ReplyRefused, match="channel: the customer's whatsapp reply window is closed"):
        reply(container, case_id, "We refunded you today.")
    assert outbound(container, case_id) == []
    assert case_of(container, case_id).status == "open"


def test_the_customer_answers_an_email_reply_through_its_link_and_the_answer_lands_in_the_case(
    client: TestClient, container: Container, mailbox: Mailbox
) -> None:
    case_id = seeded_case(container, Channel.EMAIL, "ann@example.com")
    reply(container, case_id, "Your refund is on its way. Did it arrive?")
    delivery.deliver_due(ports=container.delivering)
    [mail] = mailbox.received
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    link = next(word for word in body.get_content().split() if "/c/" in word)
    page = client.get(f"/c/{unquote(urlsplit(link).path.removeprefix('/c/'))}")
    assert page.status_code == 200, page.text  # the interview ended, but the case listens
    [token] = re.findall(r'data-token="([^"]+)"', page.text)
    conversation_id = case_of(container, case_id).conversation_id
    answered = client.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"text": "yes, it arrived this morning"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answered.status_code == 200, answered.text
    assert case_of(container, case_id).status == "in_progress"
    assert events(container, case_id)[-1].kind == "customer_replied"


def test_outside_the_window_a_reply_template_carries_the_owners_words(
    container: Container, graph: FakeGraphApi, clock: FakeClock
) -> None:
    reply_template = {"name": "case_update", "language": "en_US", "parameters": ["Acme"]}
    options = [{**PROGRAM["channels"][0], "reply_template": reply_template}, *PROGRAM["channels"][1:]]
    with container.sessions.begin() as session:
        program = Program.model_validate({**PROGRAM, "channels": options})
        sync_programs(session=session, programs={"post-checkout": (program, Path("p.yaml"))}, now=clock.now())
    case_id = seeded_case(container, Channel.WHATSAPP, f"+{PHONE}")  # the window closed long ago
    reply(container, case_id, "We refunded you today.\nSorry  for the wait.")
    delivery.deliver_due(ports=container.delivering)
    [sent] = graph.sent
    assert (sent["type"], sent["template"]["name"]) == ("template", "case_update")
    parameters = [p["text"] for p in sent["template"]["components"][0]["parameters"]]
    assert parameters == ["Acme", "We refunded you today. Sorry for the wait."]
    with pytest.raises(replies.ReplyRefused, match="text: outside the customer's whatsapp reply window"):
        reply(container, case_id, "x" * 1500)
