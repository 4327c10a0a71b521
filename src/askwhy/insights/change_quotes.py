"""Customers' words from each side of a change: for the themes that moved it most, a few redacted
quotes from the earlier side and a few from the later one, so every figure shows who is behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from askwhy.analysis.change import ChangeExplanation
from askwhy.domain.grouping import Period
from askwhy.insights.selection import Selection
from askwhy.insights.theme_views import Quote, theme_quotes


@dataclass(frozen=True)
class SideQuotes:
    """One theme's quotes on each side of the change (redacted)."""

    theme: str
    theme_id: str
    before: list[Quote]
    after: list[Quote]


def period_sides(
    selection: Selection, *, period: Period, before: date, after: date
) -> tuple[Selection, Selection]:
    """The selection within each of the two periods compared (and within its own dates)."""
    return _within(selection, before, period_end(before, period)), _within(
        selection, after, period_end(after, period)
    )


def period_end(start: date, period: Period) -> date:
    """The first day after the period that starts on ``start``."""
    if period is Period.DAY:
        return start + timedelta(days=1)
    if period is Period.WEEK:
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def side_quotes(
    *,
    session: Session,
    explanation: ChangeExplanation,
    theme_ids: dict[str, str],
    sides: tuple[Selection, Selection],
    near_duplicate: float,
    themes: int = 3,
    quotes: int = 2,
) -> list[SideQuotes]:
    """Quotes from each side for the ``themes`` effects largest in size (the quotes alone: the
    theme's counts and subthemes are not read), none repeating another at ``near_duplicate``."""
    found = []
    for effect in explanation.effects[:themes]:
        theme_id = theme_ids.get(effect.theme)
        if theme_id is None:
            continue
        before, after = (
            theme_quotes(
                session=session,
                theme_id=theme_id,
                selection=side,
                quotes=quotes,
                near_duplicate=near_duplicate,
            )
            for side in sides
        )
        found.append(SideQuotes(effect.theme, theme_id, before, after))
    return found


def _within(selection: Selection, since: date, until: date) -> Selection:
    first = max(since, selection.since) if selection.since else since
    last = min(until, selection.until) if selection.until else until
    return selection.narrowed(since=first, until=last)
