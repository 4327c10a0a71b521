"""WhatsAppSender's connection to the Graph API: one keep-alive connection reused across sends,
bodies sent exactly as written, and the proxy the environment names used as httpx would."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import pytest
from pydantic import SecretStr

from askwhy.channels.base import OutgoingMessage
from askwhy.channels.whatsapp.sender import WhatsAppSender
from tests.fakes.graph_api import FakeGraphApi

TOKEN = "EAAG-secret-token-never-logged"


@dataclass
class ConnectionCountingGraphApi(FakeGraphApi):
    """The fake Graph API, also noting the client port of every request it answers."""

    ports: list[int] = field(default_factory=list)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        answer = super().handler()
        ports = self.ports

        class Counting(answer):  # type: ignore[valid-type, misc]
            def do_POST(self) -> None:
                ports.append(self.client_address[1])
                super().do_POST()

        return Counting


@pytest.fixture
def graph() -> Iterator[ConnectionCountingGraphApi]:
    with ConnectionCountingGraphApi(access_token=TOKEN) as fake:
        yield fake


def sender_for(base_url: str) -> WhatsAppSender:
    return WhatsAppSender(phone_number_id="106540352242922", access_token=SecretStr(TOKEN), base_url=base_url)


def outgoing(text: str, key: str = "msg-1") -> OutgoingMessage:
    return OutgoingMessage(to="+16505551234", text=text, idempotency_key=key)


def test_sends_one_after_another_reuse_one_keep_alive_connection(graph: ConnectionCountingGraphApi) -> None:
    sender = sender_for(graph.base_url)
    ids = {sender.send(outgoing("Hi", key=f"msg-{i}")).provider_message_id for i in range(5)}
    sender.close()
    assert len(ids) == 5
    assert len(graph.ports) == 5
    assert len(set(graph.ports)) == 1


def test_text_beyond_ascii_arrives_exactly_as_written(graph: ConnectionCountingGraphApi) -> None:
    sender = sender_for(graph.base_url)
    text = "Merci, Zoë! Wie war's? 🙂 — 谢谢"
    sender.send(outgoing(text))
    sender.close()
    [body] = graph.sent
    assert body["text"]["body"] == text


def test_a_proxy_named_in_the_environment_carries_the_sends(
    graph: ConnectionCountingGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", graph.base_url)  # the fake answers as the proxy would forward
    sender = sender_for("http://graph.invalid")
    assert sender.send(outgoing("Hi")).provider_message_id.startswith("wamid.")
    sender.close()
    [request] = graph.received
    assert request.path == "http://graph.invalid/v21.0/106540352242922/messages"  # absolute: via a proxy


def test_no_proxy_is_used_for_a_host_the_environment_exempts(
    graph: ConnectionCountingGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    sender = sender_for(graph.base_url)
    assert sender.send(outgoing("Hi")).provider_message_id.startswith("wamid.")
    sender.close()
    assert graph.received[0].path == "/v21.0/106540352242922/messages"
