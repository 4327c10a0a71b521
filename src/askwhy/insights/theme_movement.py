"""How each theme's share moved: the current window against the window of the same length before it.

The current window is the date filter when there is one; without dates it is the last period
(day, week or 30 days for a month) up to the newest response, so "trend" always compares like
with like. A share is the responses mentioning a theme over the analysed responses of its window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from askwhy.domain.grouping import Period
from askwhy.insights import selection_counts
from askwhy.insights.selection import Selection
from askwhy.insights.theme_views import ThemeSummary, is_subtheme, summarised
from askwhy.store import theme_volumes

PERIOD_DAYS = {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 30}


@dataclass(frozen=True)
class Window:
    """The current window [since, until) and the one before it, [previous_since, since)."""

    previous_since: date
    since: date
    until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days

    @property
    def last_day(self) -> date:
        """The last day of the current window (``until`` is exclusive)."""
        return self.until - timedelta(days=1)


@dataclass(frozen=True)
class ThemeMove:
    """One theme in both windows: its responses, the analysed responses (n) and its share of them."""

    theme: ThemeSummary
    subtheme: bool
    responses_before: int
    responses_now: int
    n_before: int
    n_now: int

    @property
    def share_before(self) -> float | None:
        return self.responses_before / self.n_before if self.n_before else None

    @property
    def share_now(self) -> float | None:
        return self.responses_now / self.n_now if self.n_now else None

    @property
    def change(self) -> float | None:
        """Share now − share before, in percentage points; None when a window has no analysed response."""
        if self.share_before is None or self.share_now is None:
            return None
        return 100 * (self.share_now - self.share_before)


@dataclass(frozen=True)
class ThemeMovement:
    window: Window
    n_before: int
    n_now: int
    moves: dict[str, ThemeMove]
    """Theme id → its move, for every live theme."""

    def largest(self, count: int) -> list[ThemeMove]:
        """The themes whose share moved most (either way), mentioned in at least one window."""
        moved = [m for m in self.moves.values() if m.change and (m.responses_before or m.responses_now)]
        return sorted(moved, key=lambda m: (-abs(m.change or 0), m.theme.label))[:count]


def comparison_window(
    *, since: date | None, until: date | None, newest: datetime | None, period: Period
) -> Window | None:
    """The window the filter names (or the last period up to the newest response) and the one before.

    None when there is nothing to compare: no date filter and no response."""
    if until is not None:
        end = until
    elif newest is not None:
        end = newest.date() + timedelta(days=1)
    else:
        return None
    start = since or end - timedelta(days=PERIOD_DAYS[period])
    return Window(previous_since=start - (end - start), since=start, until=end)


def theme_movement(*, session: Session, selection: Selection, window: Window) -> ThemeMovement:
    """Every live theme's responses and share in the current window and the one before it, both
    windows counted by one grouped query (and their analysed responses by another)."""
    both = selection.narrowed(since=window.previous_since, until=window.until)
    counts_before, counts_now = selection_counts.theme_counts_split(
        session=session, selection=both, split_at=window.since
    )
    n_before, n_now = selection_counts.enriched_counts_split(
        session=session, selection=both, split_at=window.since
    )
    themes = theme_volumes.themes_oldest_first(session=session)
    now = _by_id(summarised(themes, counts_now, n_now))
    before = _by_id(summarised(themes, counts_before, n_before))
    counted = {theme_id for theme_id, t in {**before, **now}.items() if t.mentions}
    moves = {
        theme_id: ThemeMove(
            theme=summary,
            subtheme=is_subtheme(summary, dict.fromkeys(counted)),
            responses_before=before[theme_id].responses if theme_id in before else 0,
            responses_now=summary.responses,
            n_before=n_before,
            n_now=n_now,
        )
        for theme_id, summary in now.items()
    }
    return ThemeMovement(window=window, n_before=n_before, n_now=n_now, moves=moves)


def _by_id(summaries: Sequence[ThemeSummary]) -> dict[str, ThemeSummary]:
    return {summary.id: summary for summary in summaries}
