"""Exports askwhy writes are listed in the data folder, so that erasing a customer they quote
deletes them: `askwhy analyze` lists its report's files; a file holding one of the customer's
sentences (as written or HTML-escaped) or identifiers is deleted, the others stay."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from askwhy.analysis.embeddings import Embedder, HashingEmbedder
from askwhy.cli import app
from askwhy.privacy.exports import LIST_NAME, erase_from_exports, record_exports
from askwhy.settings import Settings

pytest_plugins = ("tests.insights.fixtures",)


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def factory(settings: Settings) -> Callable[[], Embedder]:
        return HashingEmbedder

    monkeypatch.setattr("askwhy.bootstrap._embedder_from", factory)


def test_analyze_lists_its_files_where_erasure_looks(
    tmp_path: Path, reviews: Path, no_model: None, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "data"
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(home))
    own = tmp_path / "own"
    args = ["analyze", str(reviews), "--out", str(own), "--score", "Rating", "--metric", "csat"]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert not (home / LIST_NAME).exists(), "a report from its own database quotes no customer of ours"
    out = tmp_path / "report"
    args = [*args[:3], str(out), *args[4:], "--database", settings.resolved_database_url]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    listed = (home / LIST_NAME).read_text(encoding="utf-8").splitlines()
    assert str((out / "report.html").resolve()) in listed
    assert str((out / "summary.json").resolve()) in listed
    quoted = "My parcel arrived late again."
    assert quoted in (out / "summary.json").read_text(encoding="utf-8"), "the report quotes it"

    deleted = erase_from_exports(data_dir=home, identifiers=[], words=[quoted])
    assert out / "summary.json" in deleted
    assert not (out / "summary.json").exists()
    assert (out / "metrics.csv").exists(), "files that do not quote it stay"
    assert str((out / "summary.json").resolve()) not in (home / LIST_NAME).read_text(encoding="utf-8")


def test_escaped_words_and_identifiers_are_found_and_short_words_ignored(tmp_path: Path) -> None:
    sentence = "The driver's van blocked Rosemary's gate"
    page, card, plain = tmp_path / "page.html", tmp_path / "card.json", tmp_path / "plain.csv"
    page.write_text(f"<q>{html.escape(sentence)}</q>", encoding="utf-8")
    card.write_text('{"note": "call 447700900123"}', encoding="utf-8")
    plain.write_text("score\n9\nno\n", encoding="utf-8")
    record_exports(data_dir=tmp_path, paths=[page, card, plain])
    record_exports(data_dir=tmp_path, paths=[page])  # listed once
    assert len((tmp_path / LIST_NAME).read_text(encoding="utf-8").splitlines()) == 3

    deleted = erase_from_exports(data_dir=tmp_path, identifiers=["447700900123"], words=[sentence, "9", "no"])
    assert sorted(deleted) == sorted([page, card])
    assert plain.exists()
    assert oct((tmp_path / LIST_NAME).stat().st_mode & 0o777) == oct(0o600)
