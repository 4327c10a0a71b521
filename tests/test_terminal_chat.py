"""The terminal chat: the real interviewer at a prompt, in memory or stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import StringIO

import pytest
from rich.console import Console
from sqlalchemy import select
from typer.testing import CliRunner

from askwhy.bootstrap import Container
from askwhy.cli import app
from askwhy.cli.terminal_chat import TerminalChat
from askwhy.programs.guides import load_guide
from askwhy.settings import Settings
from askwhy.store.tables import Conversation, Message, Response

from .conftest import GUIDES

REPLIES = ["a solid 8", "The parcel arrived a week late", "I had to buy another gift", "nothing else", "no"]


def scripted(replies: list[str]) -> Callable[[], str]:
    pending: Iterator[str] = iter(replies)

    def read() -> str:
        try:
            return next(pending)
        except StopIteration:
            raise EOFError from None

    return read


def test_a_conversation_in_memory_ends_completed() -> None:
    out = StringIO()
    chat = TerminalChat(
        guide=load_guide(GUIDES / "post-checkout.yaml"),
        console=Console(file=out, width=200),
        read=scripted(REPLIES),
    )
    assert chat.run() == "completed"
    transcript = out.getvalue()
    assert "recommend" in transcript
    assert "arrived a week late" in transcript  # acknowledged in the customer's own words
    assert "Thanks for your time" in transcript


def test_spanish_from_the_first_question() -> None:
    out = StringIO()
    chat = TerminalChat(
        guide=load_guide(GUIDES / "post-checkout.yaml"),
        language="es",
        console=Console(file=out, width=200),
        read=scripted(["nueve", "eso es todo"]),
    )
    chat.run()
    assert "recomiendes" in out.getvalue()


def test_end_of_input_leaves_the_conversation_open() -> None:
    chat = TerminalChat(
        guide=load_guide(GUIDES / "post-checkout.yaml"),
        console=Console(file=StringIO()),
        read=scripted(["9"]),
    )
    assert chat.run() == "active"


def test_stored_conversation_keeps_the_transcript_and_response(container: Container) -> None:
    chat = TerminalChat(
        guide=container.guides["post-checkout"],
        container=container,
        console=Console(file=StringIO()),
        read=scripted(REPLIES),
    )
    assert chat.run() == "completed"
    with container.sessions() as session:
        conversation = session.scalars(select(Conversation)).one()
        inbound = session.scalars(select(Message).where(Message.direction == "in")).all()
        response = session.scalars(select(Response)).one()
    assert conversation.channel == "terminal"
    assert [m.text for m in inbound][:2] == REPLIES[:2]
    assert response.score == 8


def test_cli_chat_reports_an_invalid_guide_by_file_and_field(tmp_path: pytest.TempPathFactory) -> None:
    guide = tmp_path / "broken.yaml"  # type: ignore[operator]
    guide.write_text(
        (GUIDES / "post-checkout.yaml")
        .read_text()
        .replace("  why:\n    detractor:", "  why:\n    detractorr:")
    )
    result = CliRunner().invoke(app, ["chat", str(guide)])
    assert result.exit_code == 2
    assert "questions.why.detractor: field required" in result.output
    assert "Traceback" not in result.output


def test_cli_chat_holds_the_conversation(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(
        app, ["chat", str(GUIDES / "post-checkout.yaml"), "--store"], input="9\nGreat prices\nthat's all\n"
    )
    assert result.exit_code == 0, result.output
    assert "stored as conversation" in result.output
