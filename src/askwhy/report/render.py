"""Rendering the report: one self-contained HTML file (inline CSS and SVG, no network needed)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from askwhy.report import charts
from askwhy.report.files import write_files
from askwhy.store.private_files import write_private_text

TEMPLATES = Path(__file__).parent / "templates"
MOST_THEMES = 20


def render_html(data: Mapping[str, Any]) -> str:
    """The report page for collected results (see `askwhy.report.collect`)."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return environment.get_template("report.html").render(data=data, charts=build_charts(data))


def write_report(data: Mapping[str, Any], folder: Path) -> Path:
    """Write report.html and its CSV/JSON files into ``folder``; returns the HTML file's path."""
    write_files(data, folder)
    page = folder / "report.html"
    write_private_text(page, render_html(data))
    return page


def build_charts(data: Mapping[str, Any]) -> dict[str, Markup]:
    """Each chart as markup for the template: trend, themes, drivers, waterfall."""
    metrics, drivers, change = data.get("metrics"), data.get("drivers"), data.get("change")
    unit = metrics["overall"]["label"] if metrics else ""
    built = {
        "trend": charts.trend(
            [charts.Point(p["key"], p["value"], p["low"], p["high"], p["n"]) for p in metrics["trend"]],
            unit=unit,
        )
        if metrics
        else "",
        "themes": charts.stacked_bars(
            [
                charts.Bar(
                    t["label"], t["negative"], t["mentions"] - t["negative"] - t["positive"], t["positive"]
                )
                for t in list(data.get("themes") or [])[:MOST_THEMES]
            ],
            unit="sentences",
        ),
        "drivers": _drivers_chart(drivers) if drivers else "",
        "waterfall": _waterfall(change) if change else "",
    }
    return {name: Markup(svg) for name, svg in built.items()}  # noqa: S704 (drawn and escaped in charts)


def _drivers_chart(drivers: Mapping[str, Any]) -> str:
    rows = [d for d in drivers["drivers"] if d["impact"] is not None][:MOST_THEMES]
    rows.sort(key=lambda d: d["impact"])
    return charts.diverging(
        [charts.Step(d["theme"], d["impact"]) for d in rows],
        unit="points",
        notes=[f"{100 * d['share']:.1f}% of responses" for d in rows],
    )


def _waterfall(change: Mapping[str, Any]) -> str:
    effects = [e for e in change["effects"] if abs(e["total"]) >= 0.05][:12]
    rest = change["delta"] - change["baseline"] - sum(e["total"] for e in effects)
    steps = [charts.Step(e["theme"], e["total"]) for e in effects]
    if abs(rest) >= 0.05:
        steps.append(charts.Step("other themes", rest))
    steps.append(charts.Step("not tied to a theme", change["baseline"]))
    return charts.waterfall(
        charts.Step(change["from"], change["before"]["value"]),
        steps,
        charts.Step(change["to"], change["after"]["value"]),
        unit=change["label"],
    )
