"""How themes move: the share of responses per period, and the share now against the window before.

A share is responses mentioning the theme / analysed responses, so a busier month does not look
like a bigger problem. Every period carries its n and a Wilson interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from askwhy.domain.grouping import Period, period_start
from askwhy.domain.metrics import wilson_interval
from askwhy.insights import selection_counts
from askwhy.insights.selection import Selection
from askwhy.insights.theme_views import list_themes

WINDOW_DAYS = {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 30}
"""Length of the window compared with the one before it, when the filters give no dates."""


@dataclass(frozen=True)
class Window:
    """Days [since, until): until is exclusive, as in `Selection`."""

    since: date
    until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days

    def before(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.since - timedelta(days=self.days), self.since)


@dataclass(frozen=True)
class Movement:
    """The windows compared, and each theme's share in both (None: no analysed response there)."""

    current: Window
    previous: Window
    now: dict[str, float | None]
    then: dict[str, float | None]

    def change(self, theme_id: str) -> float | None:
        """Share now − share before, 0..1 (None when either is unknown)."""
        a, b = self.now.get(theme_id), self.then.get(theme_id)
        return None if a is None or b is None else a - b


@dataclass(frozen=True)
class PeriodShare:
    start: date
    responses: int
    analysed: int
    share: float
    low: float
    high: float


def movement(*, session: Session, selection: Selection, period: Period | None) -> Movement | None:
    """Each theme's share in the filters' window (or the last day, week or 30 days with data) against
    the window of the same length before it; None without analysed responses."""
    current = _window(session, selection, period)
    if current is None:
        return None
    previous = current.before()
    return Movement(
        current, previous, _shares(session, selection, current), _shares(session, selection, previous)
    )


def share_per_period(
    *, session: Session, selection: Selection, theme_id: str, period: Period | None
) -> tuple[Period, list[PeriodShare]]:
    """The theme's share of analysed responses in every period with any, oldest first."""
    analysed = selection_counts.analysed_per_day(session=session, selection=selection)
    if not analysed:
        return period or Period.MONTH, []
    mentioned = selection_counts.theme_responses_per_day(
        session=session, selection=selection, theme_id=theme_id
    )
    chosen = period or _auto_period(min(analysed), max(analysed))
    totals: dict[date, list[int]] = {}
    for day, n in analysed.items():
        totals.setdefault(period_start(day, chosen), [0, 0])[1] += n
    for day, n in mentioned.items():
        totals.setdefault(period_start(day, chosen), [0, 0])[0] += n
    shares = []
    for start, (hits, n) in sorted(totals.items()):
        if n:
            low, high = wilson_interval(min(hits, n), n)
            shares.append(PeriodShare(start, hits, n, hits / n, low, high))
    return chosen, shares


def _auto_period(first: date, last: date) -> Period:
    """Months over half a year, weeks over three weeks, else days (as the metrics choose)."""
    span = last - first
    if span > timedelta(days=180):
        return Period.MONTH
    return Period.WEEK if span > timedelta(days=21) else Period.DAY


def _window(session: Session, selection: Selection, period: Period | None) -> Window | None:
    if selection.since and selection.until:
        return Window(selection.since, selection.until)
    latest = selection_counts.latest_analysed(session=session, selection=selection)
    if latest is None:
        return None
    until = selection.until or latest.date() + timedelta(days=1)
    since = selection.since or until - timedelta(days=WINDOW_DAYS[period or Period.MONTH])
    return Window(since, until)


def _shares(session: Session, selection: Selection, window: Window) -> dict[str, float | None]:
    narrowed = selection.narrowed(since=window.since, until=window.until)
    return {theme.id: theme.share for theme in list_themes(session=session, selection=narrowed)}
