"""The report's results as files beside it: metrics.csv, themes.csv, drivers.csv, change.csv, summary.json."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from askwhy.store.private_files import private_file, private_folder, write_private_text

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


def write_files(data: Mapping[str, Any], folder: Path) -> list[Path]:
    """Write every results file into ``folder`` (a new folder 0700, the files 0600: they quote
    customers); returns their paths."""
    private_folder(folder)
    written = [
        _csv(folder / "metrics.csv", METRIC_COLUMNS, metric_rows(data.get("metrics"))),
        _csv(folder / "themes.csv", THEME_COLUMNS, theme_rows(data.get("themes") or [])),
        _csv(folder / "drivers.csv", DRIVER_COLUMNS, driver_rows(data.get("drivers"))),
        _csv(folder / "change.csv", CHANGE_COLUMNS, change_rows(data.get("change"))),
    ]
    summary = folder / "summary.json"
    write_private_text(summary, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return [*written, summary]


def metric_rows(metrics: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
    """One row per estimate: overall, each period, program, channel and segment value."""
    if not metrics:
        return []
    rows = [{"breakdown": "overall", "key": "", **metrics["overall"]}]
    for breakdown in ("trend", "by_program", "by_channel"):
        name = "period" if breakdown == "trend" else breakdown.removeprefix("by_")
        rows += [{"breakdown": name, **group} for group in metrics[breakdown]]
    for segment, groups in metrics["by_segment"].items():
        rows += [{"breakdown": f"segment:{segment}", **group} for group in groups]
    return rows


def theme_rows(themes: Iterable[Mapping[str, Any]]) -> Iterable[dict[str, Any]]:
    return [{**theme, "keywords": "; ".join(theme["keywords"])} for theme in themes]


def driver_rows(drivers: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
    if not drivers:
        return []
    return [
        {
            **row,
            "with_theme": (row["with_theme"] or {}).get("value"),
            "without_theme": (row["without_theme"] or {}).get("value"),
        }
        for row in drivers["drivers"]
    ]


def change_rows(change: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
    if not change:
        return []
    rows = list(change["effects"])
    rows.append({"theme": "(baseline)", "total": change["baseline"]})
    rows.append({"theme": "(total)", "total": change["delta"]})
    return rows


def _csv(path: Path, columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> Path:
    private_file(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
