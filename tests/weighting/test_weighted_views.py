"""Raw and weighted side by side in the report: `askwhy analyze --margins` and `--invited`, and
population files refused by line."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from askwhy.analysis.embeddings import Embedder, HashingEmbedder
from askwhy.cli import app
from askwhy.settings import Settings

pytest_plugins = ("tests.insights.fixtures",)
ANALYZE = ["--text", "Review Text", "--score", "Rating", "--metric", "csat", "--date", "Date", "--id", "id",
           "--segment", "Department"]  # fmt: skip


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def factory(settings: Settings) -> Callable[[], Embedder]:
        return HashingEmbedder

    monkeypatch.setattr("askwhy.bootstrap._embedder_from", factory)


def _words(output: str) -> str:
    """The output with the terminal's line wrapping undone."""
    return " ".join(output.split())


def _analyze(reviews: Path, out: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["analyze", str(reviews), "--out", str(out), *ANALYZE, *extra])
    return result.exit_code, result.output


def test_analyze_with_margins_weights_every_figure_and_the_report_shows_both(
    tmp_path: Path, reviews: Path, no_model: None
) -> None:
    margins = tmp_path / "margins.yaml"
    margins.write_text("Department:\n  Dresses: 0.8\n  Tops: 0.2\n", encoding="utf-8")
    code, output = _analyze(reviews, tmp_path / "out", "--margins", str(margins))
    assert code == 0, output
    assert "Weighted: the responders re-weighted" in _words(output)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    weighted = summary["weighted"]
    assert weighted["status"] == "weighted"
    assert weighted["method"] == "raking"
    assert weighted["source"] == "the shares in margins.yaml"
    by_department = {g["key"]: g["value"] for g in summary["metrics"]["by_segment"]["Department"]}
    expected = 0.8 * by_department["Dresses"] + 0.2 * by_department["Tops"]
    assert weighted["metric"]["weighted"] == pytest.approx(expected, abs=0.02)
    assert weighted["metric"]["raw"] == pytest.approx(summary["metrics"]["overall"]["value"], abs=0.01)
    # 80 and 80 responders weighted to 80% and 20%: weights 1.6 and 0.4, Kish n = 160 / 1.36.
    assert weighted["design_effect"] == pytest.approx(1.36, abs=1e-3)
    assert weighted["themes"]
    assert weighted["impacts"]
    assert weighted["negative_share"] is not None
    with (tmp_path / "out" / "weighted.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["figure"] == weighted["metric"]["label"]
    assert float(rows[0]["weighted"]) == weighted["metric"]["weighted"]
    impacts = [row for row in rows if row["figure"].startswith(f"{weighted['metric']['label']} impact: ")]
    assert impacts
    assert all(float(row["low"]) <= float(row["weighted"]) <= float(row["high"]) for row in impacts)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Raw and weighted" in html
    assert "design effect 1.36" in html
    first = weighted["impacts"][0]
    assert f"{first['low']:+.1f} to {first['high']:+.1f}" in html, "the weighted impact's interval is shown"


def test_analyze_with_an_invited_file_weights_to_its_segment_counts(
    tmp_path: Path, reviews: Path, no_model: None
) -> None:
    invited = tmp_path / "invited.csv"
    invited.write_text("customer,Department\n" + "".join(
        f"c{i},{'Dresses' if i < 300 else 'Tops'}\n" for i in range(400)), encoding="utf-8")  # fmt: skip
    code, output = _analyze(reviews, tmp_path / "out", "--invited", str(invited))
    assert code == 0, output
    weighted = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["weighted"]
    assert weighted["status"] == "weighted"
    assert weighted["design_effect"] == pytest.approx(1.25, abs=1e-3)  # weights 1.5 and 0.5


def test_bad_population_files_are_refused_naming_the_file_and_line(
    tmp_path: Path, reviews: Path, no_model: None
) -> None:
    margins = tmp_path / "margins.yaml"
    margins.write_text("Department:\n  Dresses: 0.8\n  Tops: -0.2\n", encoding="utf-8")
    code, output = _analyze(reviews, tmp_path / "out", "--margins", str(margins))
    assert code == 2
    assert "margins.yaml" in output.replace("\n", "")
    assert "line 3: Department=Tops: a share is a number" in _words(output)
    margins.write_text("Region:\n  north: 1\n", encoding="utf-8")
    code, output = _analyze(reviews, tmp_path / "out", "--margins", str(margins))
    assert code == 2
    assert "'Region' is not a --segment column" in _words(output)
    invited = tmp_path / "invited.csv"
    invited.write_text("customer,Department\nc1,Tops\nc2,Tops,extra\n", encoding="utf-8")
    code, output = _analyze(reviews, tmp_path / "out", "--invited", str(invited))
    assert code == 2
    assert "invited.csv" in output.replace("\n", "")
    assert "line 3: 3 fields, the header has 2" in _words(output)


def test_analyze_without_a_population_says_the_figures_are_raw(
    tmp_path: Path, reviews: Path, no_model: None
) -> None:
    code, output = _analyze(reviews, tmp_path / "out")
    assert code == 0, output
    assert "Raw only: nothing says who the comments should stand for" in _words(output)
