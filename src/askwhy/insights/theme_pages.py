"""What the workspace's theme pages show: the two-level codebook of a selection, and one theme with
its verbatims, subthemes, drivers figure and trend.

The codebook is shared by every program; volumes, quotes and drivers are those of the selection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from askwhy.analysis.drivers import Driver, DriverReport
from askwhy.domain.grouping import Period
from askwhy.insights import measures
from askwhy.insights.codebook import ThemeNotFound, get_theme
from askwhy.insights.program_codebook import program_theme_ids, require_seen
from askwhy.insights.read_cache import reuse
from askwhy.insights.selection import Selection
from askwhy.insights.theme_trends import Movement, PeriodShare, movement, share_per_period
from askwhy.insights.theme_views import (
    Quote,
    ThemeDetail,
    ThemeSummary,
    enriched_count,
    list_themes,
    show_theme,
)
from askwhy.store import codebook_edits, theme_reading
from askwhy.store.analysis_tables import Theme

VERBATIMS = 20


class ThemeMerged(LookupError):
    """The theme was merged into another: its page is the other's."""

    def __init__(self, into_id: str) -> None:
        super().__init__(into_id)
        self.into_id = into_id


@dataclass(frozen=True)
class CodebookRow:
    theme: ThemeSummary
    change: float | None
    """Share now − share in the window before, 0..1."""
    subthemes: list[CodebookRow] = field(default_factory=list)


@dataclass(frozen=True)
class CodebookPage:
    rows: list[CodebookRow]
    """Top-level themes, most mentioned first, each with its subthemes."""
    analysed: int
    """Analysed responses in the selection: the n of every share."""
    movement: Movement | None


@dataclass(frozen=True)
class Verbatim:
    quote: Quote
    conversation_id: str | None


@dataclass(frozen=True)
class DriverFigure:
    """The theme's part in the metric, or why there is none (``reason``)."""

    driver: Driver | None = None
    report: DriverReport | None = None
    reason: str = ""


@dataclass(frozen=True)
class ThemePage:
    detail: ThemeDetail
    verbatims: list[Verbatim]
    parent: ThemeSummary | None
    drivers: DriverFigure
    period: Period
    trend: list[PeriodShare]
    choices: list[tuple[str, str]]
    """(id, label) of every other live theme: where to merge it or move a sentence."""


def codebook_page(*, session: Session, selection: Selection, period: Period | None) -> CodebookPage:
    """Every live theme with volume, share, sentiment and its change against the window before;
    computed once per state of the data (`read_cache`)."""
    question = ("codebook", repr(selection), period)
    return reuse(session=session, question=question, compute=lambda: _codebook(session, selection, period))


def _codebook(session: Session, selection: Selection, period: Period | None) -> CodebookPage:
    themes = list_themes(session=session, selection=selection)
    moved = movement(session=session, selection=selection, period=period)
    rows = {t.id: CodebookRow(t, moved.change(t.id) if moved else None) for t in themes}
    top: list[CodebookRow] = []
    for theme in themes:
        parent = rows.get(theme.parent_id) if theme.parent_id else None
        (parent.subthemes if parent else top).append(rows[theme.id])
    top.sort(key=lambda row: (-row.theme.responses, -row.theme.mentions, row.theme.label))
    return CodebookPage(top, enriched_count(session=session, selection=selection), moved)


def theme_page(
    *,
    session: Session,
    theme_id: str,
    selection: Selection,
    period: Period | None,
    max_themes: int,
    near_duplicate: float,
) -> ThemePage:
    """One theme in the selection; `ThemeNotFound` (also for a theme the selection's program does not
    see: `program_codebook`), or `ThemeMerged` pointing to where it went.

    The page (its drivers above all, a bootstrap over the selection's scored responses) is computed once per
    state of the data and reused while nothing it reads has changed (`read_cache`)."""
    theme = get_theme(session=session, theme_id=theme_id)
    if theme.status == "merged":
        if theme.merged_into_id is None:
            raise ThemeNotFound(theme_id)
        require_seen(session=session, program=selection.program, theme_ids=[theme_id])
        raise ThemeMerged(theme.merged_into_id)
    question = ("theme", theme_id, repr(selection), period, max_themes, near_duplicate)
    return reuse(
        session=session,
        question=question,
        compute=lambda: _theme_page(
            session, theme, selection, period, max_themes, near_duplicate=near_duplicate
        ),
    )


def _theme_page(
    session: Session,
    theme: Theme,
    selection: Selection,
    period: Period | None,
    max_themes: int,
    *,
    near_duplicate: float,
) -> ThemePage:
    theme_id = theme.id
    detail = show_theme(
        session=session,
        theme_id=theme_id,
        selection=selection,
        quotes=VERBATIMS,
        near_duplicate=near_duplicate,
    )
    conversations = theme_reading.conversations_of(
        session=session, response_ids=[q.response_id for q in detail.quotes]
    )
    chosen, trend = share_per_period(session=session, selection=selection, theme_id=theme_id, period=period)
    parent = None
    if theme.parent_id:
        parent = show_theme(
            session=session,
            theme_id=theme.parent_id,
            selection=selection,
            quotes=0,
            near_duplicate=near_duplicate,
        ).theme
    seen = _seen(session, selection)
    choices = [
        (t.id, t.label) for t in codebook_edits.live_themes(session=session)
        if t.id != theme_id and (seen is None or t.id in seen)
    ]  # fmt: skip
    return ThemePage(
        detail=detail,
        verbatims=[Verbatim(q, conversations.get(q.response_id)) for q in detail.quotes],
        parent=parent,
        drivers=_driver(session, theme_id, selection, max_themes),
        period=chosen,
        trend=trend,
        choices=choices,
    )


def _driver(session: Session, theme_id: str, selection: Selection, max_themes: int) -> DriverFigure:
    try:
        report, ids = reuse(  # the same for every theme of the selection: one bootstrap per data version
            session=session,
            question=("drivers", repr(selection), max_themes),
            compute=lambda: measures.drivers(
                session=session, selection=selection, max_themes=max_themes, feelings=False
            ),
        )
    except measures.NothingToMeasure as exc:
        return DriverFigure(reason=f"Not available: {exc}.")
    labels = {tid: label for label, tid in ids.items()}
    label = labels.get(theme_id)
    found = next((d for d in report.drivers if d.theme == label), None) if label else None
    if found is None:
        return DriverFigure(
            report=report,
            reason=f"Not available for this theme: drivers weigh the {max_themes} most mentioned "
            "top-level themes of the selection, and this is not one of them.",
        )
    return DriverFigure(driver=found, report=report)


def _seen(session: Session, selection: Selection) -> frozenset[str] | None:
    """The themes the selection's program sees (None: every theme, no program named): the only ones
    its analysts may merge into or move to."""
    if selection.program is None:
        return None
    return program_theme_ids(
        session=session, program=selection.program, include_simulated=selection.include_simulated
    )
