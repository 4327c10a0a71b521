"""The report's results as files beside it: metrics.csv, themes.csv, drivers.csv, change.csv,
weighted.csv, summary.json."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from askwhy.report.collect import Report
from askwhy.report.results import ChangeResult, DriversResult, MetricsResult, ThemeDetailResult
from askwhy.report.weighting_results import WEIGHTED_COLUMNS, weighted_rows
from askwhy.store.private_files import private_file, private_folder, write_private_text

Row = dict[str, object]
"""One CSV row: column → value as written."""

METRIC_COLUMNS = ("breakdown", "key", "label", "value", "low", "high", "n", "method")
THEME_COLUMNS = (
    "id", "label", "status", "parent_id", "mentions", "responses", "share", "sentiment", "positive",
    "negative", "keywords", "description",
)  # fmt: skip
DRIVER_COLUMNS = (
    "theme_id", "theme", "mentions", "share", "mean_sentiment", "with_theme", "without_theme", "impact",
    "weight", "weight_low", "weight_high", "significant",
)  # fmt: skip
CHANGE_COLUMNS = (
    "theme_id",
    "theme",
    "share_before",
    "share_after",
    "volume_effect",
    "severity_effect",
    "total",
)


def write_files(report: Report, folder: Path) -> list[Path]:
    """Write every results file into ``folder`` (a new folder 0700, the files 0600: they quote
    customers); returns their paths."""
    private_folder(folder)
    written = [
        _csv(folder / "metrics.csv", METRIC_COLUMNS, metric_rows(report.metrics)),
        _csv(folder / "themes.csv", THEME_COLUMNS, theme_rows(report.themes)),
        _csv(folder / "drivers.csv", DRIVER_COLUMNS, driver_rows(report.drivers)),
        _csv(folder / "change.csv", CHANGE_COLUMNS, change_rows(report.change)),
        _csv(folder / "weighted.csv", WEIGHTED_COLUMNS, weighted_rows(report.weighted)),
    ]
    summary = folder / "summary.json"
    write_private_text(summary, summary_json(report))
    return [*written, summary]


def summary_json(report: Report) -> str:
    """The whole report as JSON: the same fields and rounding as the API's answers."""
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def metric_rows(metrics: MetricsResult | None) -> list[Row]:
    """One row per estimate: overall, each period, program, channel and segment value."""
    if metrics is None:
        return []
    rows = [{"breakdown": "overall", "key": "", **metrics.overall.model_dump(mode="json")}]
    breakdowns = {"period": metrics.trend, "program": metrics.by_program, "channel": metrics.by_channel}
    breakdowns |= {f"segment:{segment}": groups for segment, groups in metrics.by_segment.items()}
    for name, groups in breakdowns.items():
        rows += [{"breakdown": name, **group.model_dump(mode="json")} for group in groups]
    return rows


def theme_rows(themes: Iterable[ThemeDetailResult]) -> list[Row]:
    """The whole codebook, each theme followed by its subthemes (their ``parent_id`` its id)."""
    return [
        {**row.model_dump(mode="json", exclude={"quotes", "children"}), "keywords": "; ".join(row.keywords)}
        for theme in themes
        for row in (theme, *theme.children)
    ]


def driver_rows(drivers: DriversResult | None) -> list[Row]:
    if drivers is None:
        return []
    return [
        {
            **row.model_dump(mode="json"),
            "with_theme": None if row.with_theme is None else row.with_theme.value,
            "without_theme": None if row.without_theme is None else row.without_theme.value,
        }
        for row in drivers.drivers
    ]


def change_rows(change: ChangeResult | None) -> list[Row]:
    if change is None:
        return []
    rows = [effect.model_dump(mode="json") for effect in change.effects]
    rows.append({"theme": "(baseline)", "total": change.baseline})
    rows.append({"theme": "(total)", "total": change.delta})
    return rows


def _csv(path: Path, columns: Iterable[str], rows: Iterable[Mapping[str, object]]) -> Path:
    private_file(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
