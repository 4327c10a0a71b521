"""The scripted customers rehearse every example guide, in-process and over the web chat API.

Each customer's expectations and the rules every conversation keeps must hold, and the web chat
must say exactly what the interviewer says in-process: same messages, questions, statuses, scores.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from askwhy.bootstrap import Container, bootstrap
from askwhy.clock import FakeClock
from askwhy.domain.guide import Guide
from askwhy.interview.rehearsal import Exchange, InProcess, Rehearsal, Said, rehearse
from askwhy.interview.scripted_customers import ScriptedCustomer, parse_customers, suiting
from askwhy.programs.guides import load_guide
from askwhy.service.app import create_app
from askwhy.settings import Settings
from askwhy.store.tables import Response

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = Path(__file__).resolve().parent / "customers"
GUIDE_IDS = ("post-checkout", "support-call", "trial-end")
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _customers() -> list[ScriptedCustomer]:
    return [
        c
        for path in sorted(CUSTOMERS.glob("*.yaml"))
        for c in parse_customers(yaml.safe_load(path.read_text()))
    ]


ALL = _customers()
CASES = [(guide_id, customer) for guide_id in GUIDE_IDS for customer in suiting(ALL, guide_id)]


def _guide(guide_id: str) -> Guide:
    return load_guide(ROOT / "examples" / "guides" / f"{guide_id}.yaml")


def _report(rehearsal: Rehearsal) -> str:
    lines = [f"{rehearsal.customer.name}:"]
    for exchange in rehearsal.transcript:
        if exchange.said is not None:
            lines.append(f"  customer: {exchange.said}")
        lines.append(f"  askwhy:   {exchange.text} {exchange.questions} ({exchange.status})")
    lines += [f"  FAILED {check.name}: {check.detail}" for check in rehearsal.failures]
    return "\n".join(lines)


def test_the_suite_is_large_and_speaks_both_languages() -> None:
    assert len(ALL) >= 80
    assert len({customer.name for customer in ALL}) == len(ALL)
    spanish = [
        c for c in ALL if c.language == "es" or c.speaks == "es" or any(t.language == "es" for t in c.turns)
    ]
    assert len(spanish) >= 25
    for guide_id in GUIDE_IDS:
        assert len([c for c in ALL if c.guide == guide_id]) >= 10


@pytest.mark.parametrize(("guide_id", "customer"), CASES, ids=[f"{g}: {c.name}" for g, c in CASES])
def test_scripted_customer_in_process(guide_id: str, customer: ScriptedCustomer) -> None:
    guide = _guide(guide_id)
    rehearsal = rehearse(guide, customer, InProcess(guide, START))
    assert rehearsal.passed, _report(rehearsal)


class WebChat:
    """A scripted customer on the web chat API, with the conversation token it was given."""

    def __init__(self, client: TestClient, container: Container, program: str) -> None:
        self.client, self.container, self.program = client, container, program
        self.conversation_id = ""
        self.headers: dict[str, str] = {}

    def start(self, language: str) -> Exchange:
        response = self.client.post("/v1/conversations", json={"program": self.program, "language": language})
        assert response.status_code == 201, response.text
        body = response.json()
        self.conversation_id = body["conversation_id"]
        self.headers = {"Authorization": f"Bearer {body['token']}"}
        return self._exchange(None, body)

    def say(self, text: str) -> Exchange:
        response = self.client.post(
            f"/v1/conversations/{self.conversation_id}/messages", json={"text": text}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return self._exchange(text, response.json())

    def _exchange(self, said: str | None, body: dict) -> Exchange:
        with self.container.sessions() as session:
            query = select(Response.score).where(Response.conversation_id == self.conversation_id)
            score = session.scalars(query).first()
        replies = tuple(Said(m["text"], m.get("question")) for m in body["messages"])
        return Exchange(said, replies, body["status"], score)


@pytest.fixture
def web_container(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[Container]:
    """The app with a program for every example guide, so that each can be reached over HTTP."""
    programs = tmp_path / "programs"
    shutil.copytree(ROOT / "examples" / "programs", programs)
    for guide_id in GUIDE_IDS:
        if not (programs / f"{guide_id}.yaml").exists():
            source = (ROOT / "examples" / "programs" / "support-call.yaml").read_text()
            (programs / f"{guide_id}.yaml").write_text(source.replace("support-call", guide_id))
    many = "100000/minute"  # one test address plays every customer
    update = {
        "programs_dir": programs,
        "rate_limit_conversation_starts": many,
        "rate_limit_chat_requests_per_address": many,
    }
    built = bootstrap(settings.model_copy(update=update), clock=clock)
    yield built
    built.close()


@pytest.mark.parametrize("guide_id", GUIDE_IDS)
def test_scripted_customers_over_the_web_chat_agree_with_in_process(
    guide_id: str, web_container: Container
) -> None:
    guide = _guide(guide_id)
    failures = []
    with TestClient(create_app(web_container)) as client:
        for customer in suiting(ALL, guide_id):
            over_http = rehearse(guide, customer, WebChat(client, web_container, guide_id))
            in_process = rehearse(guide, customer, InProcess(guide, START))
            if not over_http.passed:
                failures.append(_report(over_http))
            if over_http.transcript != in_process.transcript:
                failures.append(
                    f"{customer.name}: the web chat and the interviewer disagree\n{_report(over_http)}"
                )
    assert not failures, "\n\n".join(failures)
