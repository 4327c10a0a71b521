"""The report: self-contained HTML with its charts and files, and `askwhy analyze` end to end."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from askwhy.analysis.embeddings import Embedder, HashingEmbedder
from askwhy.analysis.quotes import NEAR_DUPLICATE
from askwhy.bootstrap import Container
from askwhy.cli import app
from askwhy.domain.funnel import funnel
from askwhy.domain.grouping import Period, ScoredResponse, by_period
from askwhy.domain.metrics import estimate
from askwhy.domain.scales import Metric
from askwhy.insights.measures import MetricsReport
from askwhy.insights.selection import Selection
from askwhy.insights.theme_views import Quote, ThemeDetail, ThemeSummary
from askwhy.report.collect import Report, collect
from askwhy.report.files import THEME_COLUMNS, summary_json, theme_rows
from askwhy.report.render import render_html, write_report
from askwhy.report.results import ChangeResult, DriversResult, MetricsResult, ThemeDetailResult
from askwhy.settings import Settings
from askwhy.store.database import make_engine
from askwhy.store.day_tally_tables import ResponseDay, StaleDayCell

pytest_plugins = ("tests.insights.fixtures",)


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands build their own container; give them the hashing embedder instead of the real model."""

    def factory(settings: Settings) -> Callable[[], Embedder]:
        return HashingEmbedder

    monkeypatch.setattr("askwhy.bootstrap._embedder_from", factory)


def assert_offline(html: str) -> None:
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert not re.search(r"(?:src|href|url)\s*[=(]\s*[\"']?(?:https?:)?//", html)
    assert "http" not in html


def test_report_has_every_chart_and_works_offline(analysed: Container, tmp_path: Path) -> None:
    with analysed.sessions() as session:
        data = collect(
            session=session,
            selection=Selection(),
            title="Reviews",
            generated_at=analysed.clock.now(),
            resamples=50,
            near_duplicate=analysed.near_duplicate,
        )
    html = render_html(data)
    for chart in ("chart-trend", "chart-themes", "chart-drivers", "chart-waterfall"):
        assert f'class="chart {chart}"' in html
    assert '<polygon class="band"' in html
    assert "n=" in html
    assert_offline(html)
    page = write_report(data, tmp_path / "out")
    assert page.read_text(encoding="utf-8") == html
    names = {p.name for p in page.parent.iterdir()}
    assert {"metrics.csv", "themes.csv", "drivers.csv", "change.csv", "summary.json"} <= names
    summary = json.loads((page.parent / "summary.json").read_text(encoding="utf-8"))
    assert summary["metrics"]["overall"]["n"] == 160


def test_quotes_in_the_report_are_redacted(analysed: Container) -> None:
    from askwhy.store.tables import Response

    now = analysed.clock.now()
    with analysed.sessions.begin() as session:
        session.add(
            Response(
                program="reviews",
                guide_id="import",
                channel="import",
                metric="csat",
                score=1,
                band="detractor",
                comment="The delivery was late. Mail me at ann@example.org please.",
                source="import",
                external_id="pii",
                language="",
                completion="completed",
                responded_at=now,
                updated_at=now,
            )
        )
    from askwhy.tasks.analysis import sweep

    sweep(analysed)
    with analysed.sessions() as session:
        data = collect(
            session=session, selection=Selection(), title="r", generated_at=now, resamples=50,
            near_duplicate=NEAR_DUPLICATE,
        )  # fmt: skip
    assert "ann@example.org" not in render_html(data)
    assert "ann@example.org" not in summary_json(data)


def test_analyze_end_to_end_writes_the_report_and_files(
    tmp_path: Path, reviews: Path, no_model: None
) -> None:
    source = reviews
    with source.open("a", encoding="utf-8") as handle:
        handle.write("bad,,3,2024-01-01,Tops\n")
    out = tmp_path / "out"
    args = ["analyze", str(source), "--out", str(out), "--text", "Review Text", "--score", "Rating",
            "--metric", "csat", "--date", "Date", "--id", "id", "--segment", "Department"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "160 responses imported" in result.output
    assert "162" in result.output
    assert "no text" in result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'class="chart chart-waterfall"' in html
    assert_offline(html)
    with (out / "themes.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) >= 4
    with (out / "metrics.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["breakdown"] == "overall"
    assert rows[0]["n"] == "160"
    change = json.loads((out / "summary.json").read_text(encoding="utf-8"))["change"]
    assert change["period"] == "week"
    assert change["from"] < change["to"] <= "2024-04-30"


def test_analyze_compares_the_periods_asked_for(tmp_path: Path, reviews: Path, no_model: None) -> None:
    source = reviews
    out = tmp_path / "out"
    args = ["analyze", str(source), "--out", str(out), "--score", "Rating", "--metric", "csat",
            "--date", "Date", "--from", "2024-01-03", "--to", "2024-02-14"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    change = json.loads((out / "summary.json").read_text(encoding="utf-8"))["change"]
    assert (change["from"], change["to"]) == ("2024-01-01", "2024-02-12")
    only_one = CliRunner().invoke(app, [*args[:-4], "--from", "2024-01-15"])
    assert only_one.exit_code == 2
    assert "both --from and --to" in only_one.output


def test_analyze_counts_the_day_tallies_before_it_measures(
    tmp_path: Path, reviews: Path, no_model: None
) -> None:
    out = tmp_path / "out"
    args = ["analyze", str(reviews), "--out", str(out), "--score", "Rating", "--metric", "csat",
            "--date", "Date", "--segment", "Department"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    engine = make_engine(f"sqlite:///{out / 'askwhy.db'}")
    try:
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(StaleDayCell)) == 0, (
                "every mark counted"
            )
            assert connection.scalar(select(func.count()).select_from(ResponseDay)), (
                "the tallies hold the import"
            )
    finally:
        engine.dispose()


def test_import_and_themes_commands(
    tmp_path: Path, reviews: Path, no_model: None, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASKWHY_QUEUE_INLINE", "true")
    source = reviews
    runner = CliRunner()
    imported = runner.invoke(
        app, ["import", str(source), "--score", "Rating", "--metric", "csat", "--id", "id"]
    )
    assert imported.exit_code == 0, imported.output
    assert "160 responses imported" in imported.output
    again = runner.invoke(app, ["import", str(source), "--score", "Rating", "--metric", "csat", "--id", "id"])
    assert "0 responses imported, 160 already present" in again.output
    assert runner.invoke(app, ["themes", "discover"]).exit_code == 0
    listed = runner.invoke(app, ["themes", "list"], terminal_width=200)
    theme_id = re.findall(r"\b[0-9a-f]{32}\b", listed.output)[0]
    renamed = runner.invoke(app, ["themes", "rename", theme_id, "Late parcels"])
    assert renamed.exit_code == 0
    assert "Late parcels" in renamed.output
    assert "Late parcels" in runner.invoke(app, ["themes", "show", theme_id]).output
    assert runner.invoke(app, ["themes", "accept", theme_id]).exit_code == 0
    missing = runner.invoke(app, ["themes", "delete", "nope"])
    assert missing.exit_code == 2
    assert "no theme nope" in missing.output
    bad = runner.invoke(app, ["import", str(source), "--score", "Rating"])
    assert bad.exit_code == 2
    assert "--metric" in bad.output


def _labels_of(out: Path) -> str:
    with (out / "themes.csv").open(encoding="utf-8") as handle:
        return " ".join(f"{row['label']} {row['keywords']}" for row in csv.DictReader(handle)).lower()


def test_configured_brand_names_never_label_a_theme(
    tmp_path: Path, no_model: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "brand.csv"
    phrases = ["parcel arrived late", "courier lost the parcel", "AcmePay refund AcmePay app crashed"]
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment", "score"])
        writer.writerows([[f"{phrases[i % 3]} again", 1 + i % 5] for i in range(60)])
    args = ["analyze", str(source), "--text", "comment", "--score", "score", "--metric", "csat"]

    plain = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "plain")])
    monkeypatch.setenv("ASKWHY_THEME_BRAND_TERMS", "Zalvo, AcmePay")
    branded = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "branded")])

    assert plain.exit_code == 0, plain.output
    assert branded.exit_code == 0, branded.output
    assert "acmepay" in _labels_of(tmp_path / "plain")
    assert "acmepay" not in _labels_of(tmp_path / "branded")
    assert "refund" in _labels_of(tmp_path / "branded")


def test_brand_terms_are_read_as_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKWHY_THEME_BRAND_TERMS", " Zalvo ,AcmePay,, ")
    assert Settings().theme_brand_terms == ["Zalvo", "AcmePay"]


def test_without_a_score_drivers_and_the_change_run_on_sentiment(
    tmp_path: Path, reviews: Path, no_model: None
) -> None:
    out = tmp_path / "out"
    args = ["analyze", str(reviews), "--out", str(out), "--text", "Review Text", "--date", "Date",
            "--segment", "Department"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    complaints = summary["complaints"]
    assert complaints["overall"]["n"] == 160
    assert complaints["drivers"]
    assert complaints["change"]["period"] == "week"
    assert complaints["by_segment"]["Department"]
    assert "What drives complaints" in html
    assert "points of the change" in html
    assert html.count("not available") + html.count("No scored responses") == 1
    assert "No driver analysis" not in html
    assert "No change to explain" not in html


def test_the_report_renders_from_typed_results_without_a_database(tmp_path: Path) -> None:
    when = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    responses = [
        ScoredResponse(score, Metric.CSAT, when + timedelta(days=day), "reviews", "import", {})
        for day, score in enumerate([5, 4, 2, 5, 1, 4, 5, 3] * 3)
    ]
    measured = MetricsReport(
        metric=Metric.CSAT,
        period=Period.WEEK,
        overall=estimate([r.score for r in responses], metric=Metric.CSAT),
        trend=by_period(responses, metric=Metric.CSAT, period=Period.WEEK),
        by_program=[],
        by_channel=[],
        by_segment={},
        funnel=funnel([]),
    )
    summary = ThemeSummary(
        id="t1", label="Late parcels", description="", status="proposed", parent_id=None,
        merged_into_id=None, keywords=["late", "parcel"], mentions=5, responses=4, share=4 / 24,
        sentiment=-0.61234, positive=1, negative=3, created_at=when, updated_at=when,
    )  # fmt: skip
    quote = Quote(7, "r1", "The parcel came a week late.", "negative", -0.8, 0.91234, when)
    report = Report(
        title="Typed",
        generated_at=when,
        responses=24,
        enriched=24,
        metrics=MetricsResult.of(measured),
        themes=[ThemeDetailResult.detail(ThemeDetail(summary, [quote]))],
    )

    html = render_html(report)
    assert f"{measured.overall.value:.1f}" in html
    assert 'class="chart chart-trend"' in html
    assert "Late parcels" in html
    assert "The parcel came a week late." in html
    assert "generated 2024-03-04T09:30:00+00:00" in html
    written = json.loads(summary_json(report))
    assert written["metrics"]["overall"]["value"] == round(measured.overall.value, 2)
    assert written["themes"][0]["share"] == 0.1667
    assert written["themes"][0]["quotes"][0]["similarity"] == 0.91234
    assert written["themes"][0]["quotes"][0]["responded_at"] == "2024-03-04T09:30:00+00:00"
    write_report(report, tmp_path / "out")
    with (tmp_path / "out" / "themes.csv").open(encoding="utf-8") as handle:
        assert next(csv.DictReader(handle))["keywords"] == "late; parcel"


def test_collect_answers_with_typed_results(analysed: Container) -> None:
    with analysed.sessions() as session:
        report = collect(
            session=session, selection=Selection(), title="r", generated_at=analysed.clock.now(),
            near_duplicate=analysed.near_duplicate,
        )  # fmt: skip
    assert isinstance(report.metrics, MetricsResult)
    assert isinstance(report.drivers, DriversResult)
    assert isinstance(report.change, ChangeResult)
    assert report.themes
    assert all(isinstance(t, ThemeDetailResult) for t in report.themes)
    assert report.simulated == "excluded"


def test_themes_csv_lists_each_theme_then_its_subthemes() -> None:
    now = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)

    def summary(theme_id: str, label: str, parent: str | None) -> ThemeSummary:
        return ThemeSummary(
            id=theme_id, label=label, description="", status="proposed", parent_id=parent,
            merged_into_id=None, keywords=[label], mentions=3, responses=3, share=0.1, sentiment=-0.2,
            positive=0, negative=2, created_at=now, updated_at=now,
        )  # fmt: skip

    delivery = ThemeDetail(
        summary("d", "late delivery", None),
        [],
        [summary("d1", "courier lost", "d"), summary("d2", "wrong address", "d")],
    )
    price = ThemeDetail(summary("p", "high price", None), [], [])
    rows = theme_rows([ThemeDetailResult.detail(delivery), ThemeDetailResult.detail(price)])
    assert [(row["id"], row["parent_id"]) for row in rows] == [
        ("d", None),
        ("d1", "d"),
        ("d2", "d"),
        ("p", None),
    ]
    assert rows[1]["keywords"] == "courier lost"
    assert set(rows[0]) >= set(THEME_COLUMNS)
