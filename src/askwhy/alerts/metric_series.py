"""What metric-drop detection measures: NPS, CSAT, CES and the share of negative responses, each
day's respondent values as a histogram, for the whole program or per value of one segment name.

Every measure is tested as a mean that falls when things get worse
(`askwhy.analysis.metric_drop`). NPS, CSAT and CES are their respondents' values
(`askwhy.domain.metrics.respondent_value`); the negative share is tested as the share of responses
that are *not* negative (100 or 0 per response), whose fall is exactly the negative share's rise,
with the same interval.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from askwhy.domain.metrics import DEFAULT_STATISTIC, metric_label, respondent_value
from askwhy.domain.scales import Metric
from askwhy.store import alert_metric_counts
from askwhy.store.alert_metric_counts import WHOLE

Histogram = dict[float, int]
Series = dict[date, Histogram]
"""Day → respondent value → respondents."""


@dataclass(frozen=True)
class Measure:
    """One thing a metric drop is about: its subject name, label and range (for severity)."""

    name: str
    label: str
    span: float
    rising_is_worse: bool = False
    """True for the negative share: shown as its own share, tested as its complement's fall."""

    def shown(self, tested: float) -> float:
        """The value a person reads from the value tested (a share of 0–100 for the negative share)."""
        return 100.0 - tested if self.rising_is_worse else tested


SPAN = {Metric.NPS: 100.0, Metric.CSAT: 100.0, Metric.CES: 6.0}
"""What a metric's severity is measured against: points of NPS and CSAT (top-2-box), CES's 1–7 range."""
MEASURES = {m: Measure(m.value, metric_label(m, DEFAULT_STATISTIC[m]), span) for m, span in SPAN.items()}
NEGATIVE_SHARE = Measure("negative-share", "Negative share", 100.0, rising_is_worse=True)


def metric_of(measure: Measure) -> Metric | None:
    """The survey metric behind a measure; None for the negative share."""
    return None if measure.rising_is_worse else Metric(measure.name)


def series_by_value(
    *, session: Session, program: str, since: datetime, until: datetime, name: str | None = None
) -> dict[str, dict[Measure, Series]]:
    """Segment value (``WHOLE`` without a segment ``name``) → measure → its days in [since, until)."""
    found: dict[str, dict[Measure, Series]] = defaultdict(lambda: defaultdict(dict))
    scores = alert_metric_counts.scores_per_day(
        session=session, program=program, since=since, until=until, name=name
    )
    for (metric_name, value, day, score), n in scores.items():
        if metric_name not in MEASURES:
            continue
        metric = Metric(metric_name)
        point = respondent_value(score, metric=metric, statistic=DEFAULT_STATISTIC[metric])
        histogram = found[value][MEASURES[metric]].setdefault(day, {})
        histogram[point] = histogram.get(point, 0) + n
    negatives = alert_metric_counts.negatives_per_day(
        session=session, program=program, since=since, until=until, name=name
    )
    for (value, day), (negative, total) in negatives.items():
        found[value][NEGATIVE_SHARE][day] = {0.0: negative, 100.0: total - negative}
    return found


def whole_program(
    *, session: Session, program: str, since: datetime, until: datetime
) -> dict[Measure, Series]:
    """Each measure's days over the whole program."""
    return series_by_value(session=session, program=program, since=since, until=until).get(WHOLE, {})
