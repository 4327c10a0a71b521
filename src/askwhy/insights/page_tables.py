"""The tables the workspace pages show, as `Table`s any page can offer for download.

``PAGE_TABLES`` maps a table's name (its file name and its URL) to how it is built from a selection.
To let a page offer its table as CSV and Excel: add a builder here (a function of session,
selection and period returning a `Table`), register it in ``PAGE_TABLES`` under a new name, and
include ``workspace/_export_links.html`` in the page with ``table`` set to that name; the links
are ``/programs/{program}/exports/tables/{name}.csv|.xlsx`` with the page's filters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from askwhy.domain.grouping import Period
from askwhy.insights import measures
from askwhy.insights.selection import Selection
from askwhy.insights.table_files import Cell, Table
from askwhy.insights.theme_views import list_themes

Builder = Callable[..., Table]
"""``builder(*, session, selection, period) -> Table``."""


@dataclass(frozen=True)
class PageTable:
    title: str
    """What the download link says."""
    build: Builder


def themes_table(*, session: Session, selection: Selection, period: Period | None) -> Table:
    """The Themes page's table: every theme and subtheme with its volume, share and sentiment."""
    themes = list_themes(session=session, selection=selection)
    labels = {theme.id: theme.label for theme in themes}
    header = [
        "theme_id", "theme", "parent", "status", "responses", "share", "mentions", "sentiment",
        "positive_mentions", "negative_mentions",
    ]  # fmt: skip
    rows: list[list[Cell]] = [
        [
            theme.id,
            theme.label,
            labels.get(theme.parent_id or "", ""),
            theme.status,
            theme.responses,
            None if theme.share is None else round(theme.share, 4),
            theme.mentions,
            theme.sentiment,
            theme.positive,
            theme.negative,
        ]
        for theme in themes
    ]
    return Table("themes", header, rows)


def trend_table(*, session: Session, selection: Selection, period: Period | None) -> Table:
    """The Overview's metric trend: the metric per period with its interval and n (none when no
    response in the selection has a score)."""
    header = ["period_start", "metric", "statistic", "value", "low", "high", "n", "confidence"]
    try:
        report = measures.metrics(session=session, selection=selection, period=period)
    except measures.NothingToMeasure:
        return Table("metric trend", header, [])
    rows: list[list[Cell]] = [
        [
            group.key,
            report.metric.value,
            group.estimate.statistic.value,
            _rounded(group.estimate.value),
            _rounded(group.estimate.low),
            _rounded(group.estimate.high),
            group.n,
            group.estimate.confidence,
        ]
        for group in report.trend
    ]
    return Table(f"{report.metric.value} trend by {report.period.value}", header, rows)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


PAGE_TABLES: dict[str, PageTable] = {
    "themes": PageTable("Themes table", themes_table),
    "trend": PageTable("Metric trend", trend_table),
}
