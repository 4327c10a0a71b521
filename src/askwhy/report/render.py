"""Rendering the report: one self-contained HTML file (inline CSS and SVG, no network needed)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from askwhy.report import charts
from askwhy.report.collect import Report
from askwhy.report.files import write_files
from askwhy.report.results import ChangeResult, DriversResult, MetricsResult, ThemeDetailResult
from askwhy.store.private_files import write_private_text

TEMPLATES = Path(__file__).parent / "templates"
MOST_THEMES = 20


def render_html(report: Report) -> str:
    """The report page for collected results (see `askwhy.report.collect`)."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return environment.get_template("report.html").render(data=report, charts=build_charts(report))


def write_report(report: Report, folder: Path) -> Path:
    """Write report.html and its CSV/JSON files into ``folder``; returns the HTML file's path."""
    write_files(report, folder)
    page = folder / "report.html"
    write_private_text(page, render_html(report))
    return page


def build_charts(report: Report) -> dict[str, Markup]:
    """Each chart as markup for the template: trend, themes, drivers, waterfall."""
    built = {
        "trend": _trend(report.metrics) if report.metrics else "",
        "themes": _themes(report.themes[:MOST_THEMES]),
        "drivers": _drivers_chart(report.drivers) if report.drivers else "",
        "waterfall": _waterfall(report.change) if report.change else "",
    }
    return {name: Markup(svg) for name, svg in built.items()}  # noqa: S704 (drawn and escaped in charts)


def _trend(metrics: MetricsResult) -> str:
    return charts.trend(
        [charts.Point(p.key, p.value, p.low, p.high, p.n) for p in metrics.trend], unit=metrics.overall.label
    )


def _themes(themes: list[ThemeDetailResult]) -> str:
    return charts.stacked_bars(
        [charts.Bar(t.label, t.negative, t.mentions - t.negative - t.positive, t.positive) for t in themes],
        unit="sentences",
    )


def _drivers_chart(drivers: DriversResult) -> str:
    rows = [d for d in drivers.drivers if d.impact is not None][:MOST_THEMES]
    rows.sort(key=lambda d: d.impact or 0.0)
    return charts.diverging(
        [charts.Step(d.theme, d.impact or 0.0) for d in rows],
        unit="points",
        notes=[f"{100 * d.share:.1f}% of responses" for d in rows],
    )


def _waterfall(change: ChangeResult) -> str:
    effects = [e for e in change.effects if abs(e.total) >= 0.05][:12]
    rest = change.delta - change.baseline - sum(e.total for e in effects)
    steps = [charts.Step(e.theme, e.total) for e in effects]
    if abs(rest) >= 0.05:
        steps.append(charts.Step("other themes", rest))
    steps.append(charts.Step("not tied to a theme", change.baseline))
    return charts.waterfall(
        charts.Step(change.from_.isoformat(), change.before.value),
        steps,
        charts.Step(change.to.isoformat(), change.after.value),
        unit=change.label,
    )
