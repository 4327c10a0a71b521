"""Programs as YAML files: validated with errors naming file and field, synced into the store."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from askwhy.bootstrap import Container
from askwhy.programs.catalog import active_programs, stored_programs
from askwhy.programs.loading import ProgramError, load_programs
from askwhy.programs.syncing import sync_programs
from askwhy.settings import Settings

from .conftest import PROGRAM

ROOT = Path(__file__).resolve().parents[2]
GUIDES = {"post-checkout", "support-call", "trial-end"}
FOLLOWING_UP = {
    "name": "care", "members": ["ana@example.com"], "lead": "carla@example.com",
    "sla": {"first_response_hours": 8, "resolution_hours": 16},
}  # fmt: skip


def write(folder: Path, name: str, data: object) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def test_the_example_programs_are_valid() -> None:
    programs = load_programs(ROOT / "examples" / "programs", guides=GUIDES)
    assert set(programs) >= {"post-checkout", "support-call"}


def test_errors_name_the_file_and_every_bad_field(tmp_path: Path) -> None:
    bad = {
        **PROGRAM,
        "sampling": 2,
        "timing": {"delay": "later"},
        "channels": [{"channel": "fax"}],
        "extra": 1,
    }
    path = write(tmp_path, "bad.yaml", bad)
    write(tmp_path, "broken.yaml", "id: [unclosed")
    write(tmp_path, "unknown-guide.yaml", {**PROGRAM, "id": "other", "guide": "nope"})
    with pytest.raises(ProgramError) as caught:
        load_programs(tmp_path, guides=GUIDES)
    message = str(caught.value)
    for expected in (
        f"{path}: sampling: ", f"{path}: timing.delay: ", f"{path}: channels.0.channel: ",
        f"{path}: extra: unknown field", "broken.yaml: line 1: not valid YAML",
        "unknown-guide.yaml: guide: no guide 'nope'",
    ):  # fmt: skip
        assert expected in message, message


def test_sync_adds_updates_and_pauses_programs_whose_file_is_gone(
    container: Container, tmp_path: Path
) -> None:
    write(tmp_path, "a.yaml", PROGRAM)
    write(tmp_path, "b.yaml", {**PROGRAM, "id": "b"})
    now = container.clock.now()
    with container.sessions.begin() as session:
        first = sync_programs(session=session, programs=load_programs(tmp_path, guides=GUIDES), now=now)
    assert (first.added, first.updated) == (["b", "post-checkout"], [])
    write(tmp_path, "a.yaml", {**PROGRAM, "sampling": 0.25})
    (tmp_path / "b.yaml").unlink()
    with container.sessions.begin() as session:
        second = sync_programs(session=session, programs=load_programs(tmp_path, guides=GUIDES), now=now)
        assert (second.updated, second.deactivated) == (["post-checkout"], ["b"])
        assert [p.sampling for p in active_programs(session=session)] == [0.25]
        assert [(row.id, row.active) for row in stored_programs(session=session)] == [
            ("b", False), ("post-checkout", True),
        ]  # fmt: skip


def test_programs_cli_syncs_and_lists(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from askwhy.cli import app
    from askwhy.cli.context import console, errors

    for shown in (console, errors):
        monkeypatch.setattr(shown, "width", 300)

    folder = tmp_path / "programs"
    write(folder, "a.yaml", {**PROGRAM, "teams": [FOLLOWING_UP]})  # the guide promises contact
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASKWHY_GUIDES_DIR", str(settings.guides_dir))
    monkeypatch.setenv("ASKWHY_PROGRAMS_DIR", str(folder))
    runner = CliRunner()
    synced = runner.invoke(app, ["programs", "sync"])
    assert synced.exit_code == 0, synced.output
    assert "added: post-checkout" in synced.output
    listed = runner.invoke(app, ["programs", "list"])
    assert "order_delivered" in listed.output
    write(folder, "a.yaml", {**PROGRAM, "teams": [FOLLOWING_UP], "sampling": "often"})
    refused = runner.invoke(app, ["programs", "sync"])
    assert refused.exit_code == 2
    assert "a.yaml: sampling:" in refused.output
