"""Why a metric differs between two segments (two values of a customer attribute, two channels or two
languages) of one selection: the same decomposition over themes as a change between two periods."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy.orm import Session

from askwhy.analysis.change import ChangeExplanation, explain_change
from askwhy.analysis.narrative import describe_change
from askwhy.domain.scales import Metric
from askwhy.insights.measures import NO_THEME_MENTIONED, NO_THEMES_YET, NoThemes, NothingToMeasure, load
from askwhy.insights.scored import Scored, has_themes, scored_responses, theme_names, themed_scores
from askwhy.insights.selection import Selection
from askwhy.insights.selection_counts import tallied
from askwhy.store import conversation_listing as listing
from askwhy.store import day_tallies

_NOW_VS_BEFORE = re.compile(r" now vs (\S+) before")


class SplitBy(StrEnum):
    SEGMENT = "segment"
    CHANNEL = "channel"
    LANGUAGE = "language"


class SameSide(ValueError):
    """Both sides name the same value: there is no difference to explain."""


@dataclass(frozen=True)
class Split:
    """What tells the two sides apart; ``name`` is the attribute when ``by`` is a segment."""

    by: SplitBy
    first: str
    second: str
    name: str = ""

    def side(self, selection: Selection, value: str) -> Selection:
        """The selection narrowed to one side (a side replaces the filter on the same attribute)."""
        if self.by is SplitBy.CHANNEL:
            return replace(selection, channel=value)
        if self.by is SplitBy.LANGUAGE:
            return replace(selection, language=value)
        return replace(selection, segment={**selection.segment, self.name: value})

    def describe(self, value: str) -> str:
        """One side in words, e.g. ``Department Tops`` or ``channel web``."""
        return f"{self.name or self.by.value} {value}"


@dataclass(frozen=True)
class SegmentChangeReport:
    """The difference from the first side to the second, split into the themes behind it."""

    split: Split
    explanation: ChangeExplanation
    narrative: str
    theme_ids: dict[str, str]
    """Display label → theme id, to link every effect to its quotes."""
    sides: tuple[Selection, Selection]


def segment_change(
    *,
    session: Session,
    selection: Selection,
    split: Split,
    metric: Metric | None = None,
    max_themes: int = 25,
) -> SegmentChangeReport:
    """Explain how the second side's metric differs from the first's, within ``selection``.

    Both sides are measured on the metric most responses of the whole selection use. Raises
    `SameSide`, `NothingToMeasure` (no score, or one side empty) or `NoThemes`.
    """
    if split.first == split.second:
        raise SameSide(f"both sides are {split.describe(split.first)}; choose two different values")
    chosen = load(session=session, selection=selection, metric=metric, segments=False).metric
    sides = (split.side(selection, split.first), split.side(selection, split.second))
    first, second = (_side(session, side, chosen, split, value) for side, value in zip(
        sides, (split.first, split.second), strict=True))  # fmt: skip
    names = theme_names(session=session, max_themes=max_themes, selection=selection)
    if not names:
        raise NoThemes(NO_THEME_MENTIONED if has_themes(session=session) else NO_THEMES_YET)
    explanation = explain_change(
        themed_scores(session=session, scored=first, names=names),
        themed_scores(session=session, scored=second, names=names),
        metric=chosen,
    )
    return SegmentChangeReport(
        split=split,
        explanation=explanation,
        narrative=_sides_named(describe_change(explanation), split),
        theme_ids={label: theme_id for theme_id, label in names.items()},
        sides=sides,
    )


def split_choices(*, session: Session, selection: Selection) -> dict[str, object]:
    """What a comparison may split on: the selection's channels, languages and segment values."""
    return {
        SplitBy.CHANNEL.value: _values(session, selection, "channel"),
        SplitBy.LANGUAGE.value: _values(session, selection, "language"),
        SplitBy.SEGMENT.value: listing.segment_values(session=session, restrict=selection.apply),
    }


def _values(session: Session, selection: Selection, column: str) -> list[str]:
    """The selection's channels or languages, from the day tallies where they can answer (a few
    hundred cells instead of every response of the program)."""
    cells = tallied(session=session, selection=selection)
    if cells is None:
        return listing.distinct_values(session=session, restrict=selection.apply, column=column)
    return day_tallies.cell_values(session=session, cells=cells, column=column)


def _side(session: Session, selection: Selection, metric: Metric, split: Split, value: str) -> Scored:
    scored = scored_responses(session=session, selection=selection, metric=metric, segments=False)
    if not scored.responses:
        raise NothingToMeasure(f"no {metric.value} responses for {split.describe(value)}")
    return scored


def _sides_named(narrative: str, split: Split) -> str:
    """The paragraph speaks of "now" and "before"; between segments those are the two sides."""
    first, second = split.describe(split.first), split.describe(split.second)
    return _NOW_VS_BEFORE.sub(lambda m: f" for {second} vs {m.group(1)} for {first}", narrative)
