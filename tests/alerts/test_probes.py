"""An open alert asks later web chat customers about its theme (programs that opt in), only those
in its segment, until it is resolved or has its answers; the answers are kept with the alert and
shown by `GET /v1/alerts/{id}` and `askwhy alerts show`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.cli import app as cli
from askwhy.clock import FakeClock
from askwhy.programs.startup import sync_from_folder
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store import alerts
from askwhy.store.alert_answer_tables import AlertAnswer
from askwhy.store.alerts import EpisodeKey, NewAlert
from askwhy.store.tables import Response
from tests.alerts.test_routing_api import key
from tests.cases.conftest import TEAM, write_program

SCRIPT = {
    "en": ["9, checkout was quick on my phone", "it saved me time", "a lot", "a dark mode"],
    "es": ["9, el pago fue rápido en el móvil", "me ahorró tiempo", "mucho", "un modo oscuro"],
}
"""Replies after which the example guide still has room for one more question."""
ASKED = {
    "en": "Some customers mention late delivery; did that affect you?",
    "es": "Algunos clientes mencionan late delivery; ¿te afectó a ti?",
}
PROGRAM: dict[str, Any] = {
    "id": "post-checkout",
    "name": "After checkout",
    "guide": "post-checkout",
    "moments": ["order_delivered"],
    "channels": [{"channel": "email"}],
    "teams": [TEAM],
    "alerts": {"ask_about_open_alerts": True, "max_answers": 2},
}


def _container(
    settings: Settings, clock: FakeClock, tmp_path: Path, program: dict[str, Any]
) -> Iterator[Container]:
    folder = tmp_path / "programs"
    write_program(folder, program)
    built = bootstrap(
        settings.model_copy(update={"programs_dir": folder, "rate_limit_conversation_starts": "1000/minute"}),
        clock=clock,
        embedder=HashingEmbedder(),
    )
    sync_from_folder(sessions=built.sessions, guides=built.guides, folder=folder, now=clock.now())
    yield built
    built.close()


@pytest.fixture
def container(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[Container]:
    yield from _container(settings, clock, tmp_path, PROGRAM)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def open_alert(
    container: Container, segment: dict[str, str] | None = None, kind: str = "rising_theme"
) -> str:
    segment = segment or {}
    segment_key = ",".join(f"{k}={v}" for k, v in sorted(segment.items()))
    with container.sessions.begin() as session:
        row = alerts.open_alert(
            session=session,
            alert=NewAlert(
                EpisodeKey("post-checkout", kind, "late", segment_key), "late delivery", segment, "high", {}
            ),
            now=container.clock.now(),
        )
        assert row is not None
        session.flush()
        return row.id


class Customer:
    """One web chat customer of post-checkout, optionally in a segment (as an invitation sets it)."""

    def __init__(
        self, client: TestClient, container: Container, *, language: str = "en", **segment: str
    ) -> None:
        self.client, self.language = client, language
        started = client.post("/v1/conversations", json={"program": "post-checkout", "language": language})
        assert started.status_code == 201, started.text
        self.id = started.json()["conversation_id"]
        self.headers = {"Authorization": f"Bearer {started.json()['token']}"}
        self.sent: list[str] = [started.json()["messages"][-1]["text"]]
        self.status = "active"
        if segment:
            with container.sessions.begin() as session:
                session.execute(
                    update(Response).where(Response.conversation_id == self.id).values(segment=segment)
                )

    def say(self, text: str) -> str:
        said = self.client.post(
            f"/v1/conversations/{self.id}/messages", json={"text": text}, headers=self.headers
        )
        assert said.status_code == 200, said.text
        self.sent += [message["text"] for message in said.json()["messages"]]
        self.status = said.json()["status"]
        return self.sent[-1]

    def talk(self, *then: str) -> None:
        for text in (*SCRIPT[self.language], *then):
            if self.status != "active":
                return
            self.say(text)

    @property
    def asked(self) -> int:
        return sum(ASKED[self.language] in text for text in self.sent)


def answers(container: Container) -> list[tuple[str, str, bool | None]]:
    with container.reads() as session:
        rows = session.scalars(select(AlertAnswer).order_by(AlertAnswer.id))
        return [(row.conversation_id, row.text, row.affected) for row in rows]


def test_customers_in_the_alerts_segment_are_asked_once_and_their_answers_kept(
    client: TestClient, container: Container
) -> None:
    alert_id = open_alert(container, {"region": "south"})
    south = Customer(client, container, region="south")
    south.talk("yes, mine came two days late, write to me at jane.doe@example.com", "nothing else")
    north, nowhere = Customer(client, container, region="north"), Customer(client, container)
    north.talk("nothing else", "no")
    nowhere.talk("nothing else", "no")
    assert (south.asked, north.asked, nowhere.asked) == (1, 0, 0)
    kept = answers(container)
    assert [(conversation, affected) for conversation, _, affected in kept] == [(south.id, True)]
    assert "[email]" in kept[0][1], "kept redacted"
    assert "jane.doe" not in kept[0][1]

    shown = client.get(f"/v1/alerts/{alert_id}", headers=key(container, "read"))
    assert shown.status_code == 200, shown.text
    body = shown.json()["answers"]
    assert (body["count"], body["affected"]) == (1, 1)
    assert body["latest"][0]["text"].startswith("yes, mine came two days late")
    printed = CliRunner().invoke(
        cli,
        ["alerts", "show", alert_id],
        env={"ASKWHY_DATABASE_URL": container.settings.resolved_database_url},
    )
    assert printed.exit_code == 0, printed.output
    assert "1 answered, 1 said it affected them" in printed.output


def test_asked_until_the_alert_has_its_answers(client: TestClient, container: Container) -> None:
    open_alert(container)
    first, second = Customer(client, container), Customer(client, container)
    first.talk("yes, it was late", "nothing else")
    second.talk("no, mine was on time", "nothing else")
    third = Customer(client, container)
    third.talk("nothing else", "no")
    assert (first.asked, second.asked, third.asked) == (1, 1, 0), "max_answers is 2"
    assert [affected for _, _, affected in answers(container)] == [True, False]


def test_no_longer_asked_once_the_alert_is_resolved(client: TestClient, container: Container) -> None:
    alert_id = open_alert(container)
    writer = key(container, "alerts:write")
    assert client.post(f"/v1/alerts/{alert_id}/resolve", headers=writer).status_code == 200
    customer = Customer(client, container)
    customer.talk("nothing else", "no")
    assert customer.asked == 0
    assert answers(container) == []


def test_only_rising_theme_alerts_ask(client: TestClient, container: Container) -> None:
    open_alert(container, kind="metric_drop")
    customer = Customer(client, container)
    customer.talk("nothing else", "no")
    assert customer.asked == 0


def test_spanish_customers_are_asked_in_spanish(client: TestClient, container: Container) -> None:
    alert_id = open_alert(container)
    customer = Customer(client, container, language="es")
    customer.talk("sí, llegó dos días tarde", "nada más")
    assert customer.asked == 1
    shown = client.get(f"/v1/alerts/{alert_id}", headers=key(container, "read")).json()["answers"]
    assert shown["latest"][0]["language"] == "es"
    assert shown["latest"][0]["text"] == "sí, llegó dos días tarde"


def test_a_program_that_does_not_opt_in_never_asks(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    program = {key_: value for key_, value in PROGRAM.items() if key_ != "alerts"}
    for built in _container(settings, clock, tmp_path, program):
        open_alert(built)
        with TestClient(create_app(built)) as client:
            customer = Customer(client, built)
            customer.talk("nothing else", "no")
        assert customer.asked == 0


def test_an_opt_out_is_not_kept_as_an_answer(client: TestClient, container: Container) -> None:
    open_alert(container)
    customer = Customer(client, container)
    customer.talk("STOP")
    assert customer.asked == 1
    assert customer.status == "opted_out"
    assert answers(container) == []
