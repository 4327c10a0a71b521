"""When simulated conversations start: spread over the last days, busier at lunch and evenings.

Customers answer a feedback invitation when they have a moment: fewer at night, more around
lunch and after work, a little more at weekends. The last conversation starts early enough
that even an abandoned one has been closed by the inactivity rule before the period ends.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

_HOUR_WEIGHTS = (
    0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.0, 1.0, 1.1,
    1.5, 1.4, 1.0, 0.9, 0.9, 1.0, 1.3, 1.6, 1.7, 1.4, 0.9, 0.5,
)  # fmt: skip
_WEEKDAY_WEIGHTS = (1.0, 1.0, 0.95, 0.95, 0.9, 1.15, 1.2)
_MARGIN = timedelta(hours=6)
"""Room at the end of the period for the longest conversation and its inactivity limit."""


def start_times(*, count: int, end: datetime, days: int, rng: random.Random) -> list[datetime]:
    """``count`` start times in the ``days`` before ``end``, in order, following the weekly rhythm."""
    first_day = (end - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    latest = end - _MARGIN
    day_count = max(1, (latest - first_day).days + 1)
    days_list = [first_day + timedelta(days=offset) for offset in range(day_count)]
    day_weights = [_WEEKDAY_WEIGHTS[day.weekday()] for day in days_list]
    times: list[datetime] = []
    while len(times) < count:
        day = rng.choices(days_list, weights=day_weights)[0]
        hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
        moment = day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))
        if end - timedelta(days=days) <= moment <= latest:
            times.append(moment)
    return sorted(times)


def days_before(moment: datetime, end: datetime) -> float:
    """How many days before the end of the period a moment lies."""
    return (end - moment) / timedelta(days=1)
