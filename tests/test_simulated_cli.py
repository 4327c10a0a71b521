"""The CLI reports real responses only, says so, and counts simulated ones with --include-simulated."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update
from typer.testing import CliRunner

from askwhy.analysis.embeddings import Embedder, HashingEmbedder
from askwhy.cli import app
from askwhy.settings import Settings
from askwhy.store.tables import Response

pytest_plugins = ("tests.insights.fixtures",)


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def factory(settings: Settings) -> Callable[[], Embedder]:
        return HashingEmbedder

    monkeypatch.setattr("askwhy.bootstrap._embedder_from", factory)


@pytest.fixture
def imported(
    tmp_path: Path, reviews: Path, no_model: None, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    """A CLI on the test's database, the reviews imported."""
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASKWHY_QUEUE_INLINE", "true")
    runner = CliRunner()
    done = runner.invoke(app, ["import", str(reviews), "--score", "Rating", "--metric", "csat"])
    assert done.exit_code == 0, done.output
    return runner


def _mark_simulated(settings: Settings) -> None:
    engine = create_engine(settings.resolved_database_url)
    with engine.begin() as connection:
        connection.execute(update(Response).values(simulated=True))
    engine.dispose()


def test_themes_list_leaves_simulated_responses_out_unless_asked(
    imported: CliRunner, settings: Settings
) -> None:
    runner = imported
    assert runner.invoke(app, ["themes", "discover"]).exit_code == 0
    _mark_simulated(settings)

    real = runner.invoke(app, ["themes", "list"], terminal_width=200)
    assert real.exit_code == 0, real.output
    assert "simulated responses: excluded" in real.output
    everything = runner.invoke(app, ["themes", "list", "--include-simulated"], terminal_width=200)
    assert "simulated responses: included" in everything.output
    assert _responses_column(real.output) == {0}
    assert max(_responses_column(everything.output)) > 0


def test_analyze_says_whether_simulated_responses_count(
    tmp_path: Path, reviews: Path, no_model: None
) -> None:
    out = tmp_path / "out"
    args = ["analyze", str(reviews), "--out", str(out), "--score", "Rating", "--metric", "csat"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "simulated responses: excluded" in result.output
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["simulated"] == "excluded"


def _responses_column(output: str) -> set[int]:
    """The numbers in the table's responses column (the third)."""
    values = set()
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) > 4 and cells[3].isdigit():
            values.add(int(cells[3]))
    return values


def test_themes_are_discovered_from_real_responses_unless_simulated_ones_are_asked_for(
    imported: CliRunner, settings: Settings
) -> None:
    runner = imported
    _mark_simulated(settings)

    real_only = runner.invoke(app, ["themes", "discover"], terminal_width=200)
    assert real_only.exit_code == 0, real_only.output
    assert real_only.output.startswith("0 themes proposed") or "\n0 themes proposed" in real_only.output
    assert "simulated responses: excluded" in real_only.output
    everything = runner.invoke(app, ["themes", "discover", "--include-simulated"], terminal_width=200)
    assert everything.exit_code == 0, everything.output
    proposed = re.search(r"(\d+) themes proposed", everything.output)
    assert proposed is not None
    assert int(proposed.group(1)) > 0
