"""`askwhy programs sync` refuses a promise of contact without a team; `askwhy cases` works a case."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from askwhy.bootstrap import Container
from askwhy.settings import Settings

from .conftest import PROGRAM, write_program
from .helpers import cases, events, say, start


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    from askwhy.cli.context import console, errors

    for shown in (console, errors):
        monkeypatch.setattr(shown, "width", 300)
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASKWHY_GUIDES_DIR", str(settings.guides_dir))
    monkeypatch.setenv("ASKWHY_PROGRAMS_DIR", str(tmp_path / "programs"))
    return CliRunner()


def test_sync_refuses_a_guide_that_promises_contact_without_a_team(runner: CliRunner, tmp_path: Path) -> None:
    from askwhy.cli import app

    without = {key: value for key, value in PROGRAM.items() if key not in ("teams", "case_rules")}
    path = write_program(tmp_path / "programs", without)
    refused = runner.invoke(app, ["programs", "sync"])
    assert refused.exit_code == 2
    output = " ".join(refused.output.split())
    assert f"{path}: teams:" in output
    assert "post-checkout.yaml promises contact (close_the_loop.offer)" in output
    no_sla = {**PROGRAM, "teams": [{**team, "sla": None} for team in PROGRAM["teams"]]}
    write_program(tmp_path / "programs", no_sla)
    assert runner.invoke(app, ["programs", "sync"]).exit_code == 2
    write_program(tmp_path / "programs", PROGRAM)
    synced = runner.invoke(app, ["programs", "sync"])
    assert synced.exit_code == 0, synced.output


def test_the_cli_lists_shows_assigns_notes_replies_and_resolves_a_case(
    runner: CliRunner, client: TestClient, container: Container
) -> None:
    from askwhy.cli import app

    say(client, start(client), "can someone call me?")
    [case] = cases(container)
    listed = runner.invoke(app, ["cases", "list", "--team", "care"])
    assert case.id in listed.output
    assert "help_request" in listed.output
    assert case.id not in runner.invoke(app, ["cases", "list", "--status", "resolved"]).output
    shown = runner.invoke(app, ["cases", "show", case.id])
    assert "can someone call me?" in shown.output
    assert "opened" in shown.output
    by = ["--by", "carla@example.com"]
    assert runner.invoke(app, ["cases", "assign", case.id, "bruno@example.com", *by]).exit_code == 0
    assert runner.invoke(app, ["cases", "note", case.id, "left a voicemail", *by]).exit_code == 0
    replied = runner.invoke(app, ["cases", "reply", case.id, "We are on it, a refund is coming.", *by])
    assert replied.exit_code == 0, replied.output
    assert "waiting_customer" in replied.output
    assert runner.invoke(app, ["cases", "reply", case.id, " ", *by]).exit_code == 2
    resolved = runner.invoke(app, ["cases", "resolve", case.id, "--note", "refunded", *by])
    assert resolved.exit_code == 0, resolved.output
    assert "resolved" in resolved.output
    refused = runner.invoke(app, ["cases", "status", case.id, "waiting_customer", *by])
    assert refused.exit_code == 2
    assert "resolved case cannot become waiting_customer" in refused.output
    assert runner.invoke(app, ["cases", "show", "nope"]).exit_code == 2
    kinds = [(event.kind, event.actor) for event in events(container, case.id)][2:]
    assert kinds == [
        ("assigned", "carla@example.com"), ("note_added", "carla@example.com"),
        ("reply_sent", "carla@example.com"), ("status_changed", "carla@example.com"),
        ("follow_up_asked", None),
    ]  # fmt: skip


def test_the_example_programs_keep_the_promises_of_their_guides() -> None:
    from askwhy.programs.guides import GuideLibrary
    from askwhy.programs.loading import load_programs
    from askwhy.programs.promises import promised_contact, unkept_promises

    root = Path(__file__).resolve().parents[2] / "examples"
    guides = GuideLibrary.from_folder(root / "guides")
    programs = load_programs(root / "programs", guides=guides)
    assert unkept_promises(programs, guides) == []
    promising = [program for program, _ in programs.values() if promised_contact(guides[program.guide])]
    assert promising
    assert all(program.follows_up for program in promising)
