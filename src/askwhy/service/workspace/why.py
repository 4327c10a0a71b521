"""Why it moved: two periods or two segments compared, split into the themes behind the change.

The figures are those of ``GET /v1/changes`` (periods) and of `insights.segment_change` (segments);
when there is nothing to compare the page says why instead of answering an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from askwhy.analysis.change import ChangeExplanation
from askwhy.insights import change_quotes, measures, segment_change
from askwhy.insights.change_quotes import SideQuotes
from askwhy.insights.read_cache import reuse
from askwhy.insights.segment_change import Split, SplitBy
from askwhy.insights.selection import Selection
from askwhy.report import charts
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.workspace.access import InProgram
from askwhy.service.workspace.filters import SEGMENT, Filters, WorkspaceFilters

router = APIRouter(tags=["workspace"], include_in_schema=False)
EMPHASIS = re.compile(r"\*([^*]+)\*")
SHOWN_STEPS = 12


@dataclass(frozen=True)
class Comparison:
    """What the person asked to compare; ``problems`` names each value that was dropped."""

    mode: str = "periods"
    """periods or segments"""
    split: Split | None = None
    """The two segments; None when comparing periods, or when the segments asked for were dropped."""
    before: date | None = None
    after: date | None = None
    problems: tuple[str, ...] = ()


def read_comparison(  # noqa: PLR0917 (FastAPI maps query parameters)
    compare: Annotated[str | None, Query(max_length=10)] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    to: Annotated[str | None, Query(max_length=20)] = None,
    by: Annotated[str | None, Query(max_length=10)] = None,
    name: Annotated[str | None, Query(max_length=64)] = None,
    a: Annotated[str | None, Query(max_length=200)] = None,
    b: Annotated[str | None, Query(max_length=200)] = None,
) -> Comparison:
    if compare == "segments":
        return _segments(by, (name or "").strip(), (a or "").strip(), (b or "").strip())
    problems: list[str] = []
    before, after = _day(from_, "From", problems), _day(to, "To", problems)
    if (before is None) != (after is None) or (before and after and before >= after):
        problems.append("From and To: give a day in each period, From before To; the last two were used.")
        before = after = None
    return Comparison(before=before, after=after, problems=tuple(problems))


ComparisonDep = Annotated[Comparison, Depends(read_comparison)]


@dataclass(frozen=True)
class Compared:
    """The page's answer: a change explained, or the message saying why there is none."""

    first: str = ""
    second: str = ""
    explanation: ChangeExplanation | None = None
    narrative: list[tuple[str, bool]] = field(default_factory=list)
    """The paragraph in pieces, each with whether it is emphasised (a theme's name)."""
    theme_ids: dict[str, str] = field(default_factory=dict)
    quotes: list[SideQuotes] = field(default_factory=list)
    message: str = ""


@router.get("/programs/{program}/why", response_class=HTMLResponse)
def why(  # noqa: PLR0917 (FastAPI maps dependencies to parameters)
    request: Request,
    access: InProgram,
    filters: WorkspaceFilters,
    comparison: ComparisonDep,
    container: ContainerDep,
    templates: TemplatesDep,
) -> Response:
    selection = filters.selection(access.program)
    with container.reads() as session:
        max_themes, near_duplicate = container.settings.driver_max_themes, container.near_duplicate
        compared = reuse(
            session=session,
            question=(
                "why",
                repr(selection),
                repr(filters.period),
                repr(comparison),
                max_themes,
                near_duplicate,
            ),
            compute=lambda: compare(
                session=session,
                selection=selection,
                filters=filters,
                comparison=comparison,
                max_themes=max_themes,
                near_duplicate=near_duplicate,
            ),
        )
        choices = reuse(
            session=session,
            question=("split choices", repr(selection)),
            compute=lambda: segment_change.split_choices(session=session, selection=selection),
        )
    context = {
        "viewer": access.viewer,
        "program": access.program,
        "filters": filters,
        "page": "why",
        "comparison": comparison,
        "compared": compared,
        "choices": choices,
        "kept_filters": parse_qsl(filters.query()),
        "charts": _charts(compared),
    }
    return templates.TemplateResponse(request, "workspace/why.html", context)


def compare(
    *,
    session: Session,
    selection: Selection,
    filters: Filters,
    comparison: Comparison,
    max_themes: int,
    near_duplicate: float,
) -> Compared:
    """The comparison asked for, or a message saying plainly why there is nothing to compare; its
    quotes repeat none another at ``near_duplicate`` (the embedding model's own level)."""
    if comparison.mode == "segments" and comparison.split is None:
        return Compared(message="Choose what tells the two sides apart and the two values to compare.")
    try:
        if comparison.split is None:
            return _periods(
                session, selection, filters, comparison, max_themes, near_duplicate=near_duplicate
            )
        return _segments_compared(
            session, selection, comparison.split, max_themes, near_duplicate=near_duplicate
        )
    except measures.NoThemes as exc:
        return Compared(message=f"The metric can be compared, but not explained: {exc}.")
    except measures.NothingToMeasure as exc:
        return Compared(message=f"Nothing to compare: {exc}.")
    except (measures.SamePeriod, segment_change.SameSide) as exc:
        return Compared(message=f"{str(exc).capitalize()}.")


def _periods(
    session: Session,
    selection: Selection,
    filters: Filters,
    comparison: Comparison,
    max_themes: int,
    *,
    near_duplicate: float,
) -> Compared:
    report = measures.change(
        session=session, selection=selection, period=filters.period, before=comparison.before,
        after=comparison.after, max_themes=max_themes,
    )  # fmt: skip
    sides = change_quotes.period_sides(
        selection, period=report.period, before=report.before, after=report.after
    )
    label = report.period.value
    return _explained(
        session, report.explanation, report.narrative, report.theme_ids, sides,
        (f"{label} of {report.before}", f"{label} of {report.after}"), near_duplicate=near_duplicate,
    )  # fmt: skip


def _segments_compared(
    session: Session, selection: Selection, split: Split, max_themes: int, *, near_duplicate: float
) -> Compared:
    report = segment_change.segment_change(
        session=session, selection=selection, split=split, max_themes=max_themes
    )
    names = (split.describe(split.first), split.describe(split.second))
    return _explained(
        session, report.explanation, report.narrative, report.theme_ids, report.sides, names,
        near_duplicate=near_duplicate,
    )  # fmt: skip


def _explained(  # noqa: PLR0917 (one call site, each part named there)
    session: Session,
    explanation: ChangeExplanation,
    narrative: str,
    theme_ids: dict[str, str],
    sides: tuple[Selection, Selection],
    names: tuple[str, str],
    *,
    near_duplicate: float,
) -> Compared:
    quotes = change_quotes.side_quotes(
        session=session, explanation=explanation, theme_ids=theme_ids, sides=sides,
        near_duplicate=near_duplicate,
    )  # fmt: skip
    return Compared(
        first=names[0],
        second=names[1],
        explanation=explanation,
        narrative=[(piece, i % 2 == 1) for i, piece in enumerate(EMPHASIS.split(narrative)) if piece],
        theme_ids=theme_ids,
        quotes=quotes,
    )


def _charts(compared: Compared) -> dict[str, Markup]:
    explanation = compared.explanation
    if explanation is None:
        return {}
    shown = [e for e in explanation.effects if abs(e.total) >= 0.05][:SHOWN_STEPS]
    steps = [charts.Step(e.theme, e.total) for e in shown]
    rest = explanation.total - explanation.baseline - sum(e.total for e in shown)
    if abs(rest) >= 0.05:
        steps.append(charts.Step("other themes", rest))
    steps.append(charts.Step("not tied to a theme", explanation.baseline))
    change = explanation.change
    unit = explanation.label
    waterfall = charts.waterfall(
        charts.Step(compared.first, change.before.value), steps,
        charts.Step(compared.second, change.after.value), unit=unit,
    )  # fmt: skip
    effects = [charts.Effect(e.theme, e.volume_effect, e.severity_effect) for e in shown]
    drawn = {"waterfall": waterfall, "effects": charts.effect_split(effects, unit=unit)}
    return {name: Markup(svg) for name, svg in drawn.items()}  # noqa: S704 (drawn and escaped in charts)


def _segments(by: str | None, name: str, first: str, second: str) -> Comparison:
    try:
        split_by = SplitBy(by or SplitBy.SEGMENT.value)
    except ValueError:
        return Comparison(
            mode="segments", problems=(f"Compare by {by!r}: choose segment, channel or language.",)
        )
    problems = []
    if split_by is SplitBy.SEGMENT and not SEGMENT.fullmatch(f"{name}:x"):
        problems.append("Segment name: give the attribute to compare, e.g. Department.")
    if not first or not second:
        problems.append("First and second value: give both values to compare.")
    if problems:
        return Comparison(mode="segments", problems=tuple(problems))
    name = name if split_by is SplitBy.SEGMENT else ""
    return Comparison(mode="segments", split=Split(by=split_by, first=first, second=second, name=name))


def _day(value: str | None, name: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{name} {value!r} is not a date like 2026-01-31; it was dropped.")
        return None
