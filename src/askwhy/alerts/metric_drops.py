"""Metric drops in one program: NPS, CSAT and CES today so far, and over the last seven days, against
their history.

Today catches a sudden fall; the week catches a slide too gentle for any one day. Each horizon
is its own episode (subjects ``nps`` and ``nps-week``), each test at its own α from the same
false alarms per metric-year.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from askwhy.alerts.candidates import Candidate, Days, DetectionDesign, start_of
from askwhy.alerts.evidence import CANDIDATES, chosen_quotes
from askwhy.analysis.metric_drop import DropDesign, DropTest, PeriodScores, alarms, dropping, period_scores
from askwhy.domain.alerts import AlertKind, Evidence, severity_for_drop
from askwhy.domain.metrics import DEFAULT_STATISTIC, metric_label, respondent_value
from askwhy.domain.scales import Metric
from askwhy.store import alert_counts

SPAN = {Metric.NPS: 100.0, Metric.CSAT: 100.0, Metric.CES: 6.0}
"""What a metric's severity is measured against: points of NPS and CSAT (top-2-box), CES's 1–7 range."""
Histogram = dict[float, int]


@dataclass(frozen=True)
class Horizon:
    """Today, or the last seven days: how periods are cut, and what the alert calls them."""

    suffix: str
    name: str
    length: int

    def periods(self, by_day: dict[date, Histogram], days: Days) -> tuple[list[PeriodScores], PeriodScores]:
        """The history (oldest first) and the current period, each ``length`` days ending today."""
        count = days.history // self.length
        blocks = [
            _merged(by_day, days.today - timedelta(days=self.length * k), self.length) for k in range(count)
        ]
        return [period_scores(b) for b in reversed(blocks[1:])], period_scores(blocks[0])


DAY = Horizon("", "today", 1)
WEEK = Horizon("-week", "in the last 7 days", 7)


def metric_drops(
    *, session: Session, program: str, days: Days, design: DetectionDesign, cooling: frozenset[str]
) -> list[Candidate]:
    """A candidate for each of the program's metrics and horizons whose value alarms as dropping."""
    since, until = days.span()
    counts = alert_counts.scores_per_day(session=session, program=program, since=since, until=until)
    found = []
    for metric, by_day in _per_metric(counts).items():
        for horizon, rule in ((DAY, design.drop), (WEEK, design.drop_week)):
            if rule is None or f"{metric.value}{horizon.suffix}" in cooling:
                continue
            history, current = horizon.periods(by_day, days)
            test = dropping(history, current, design=rule)
            if alarms(test, design=rule):
                found.append(_candidate(session=session, program=program, metric=metric, test=test,
                                        days=days, horizon=horizon, rule=rule))  # fmt: skip
    return found


def _per_metric(counts: dict[tuple[str, date, int], int]) -> dict[Metric, dict[date, Histogram]]:
    """Metric → day → respondent value → respondents."""
    per_metric: dict[Metric, dict[date, Histogram]] = defaultdict(lambda: defaultdict(dict))
    for (name, day, score), n in counts.items():
        if name not in SPAN:
            continue
        metric = Metric(name)
        value = respondent_value(score, metric=metric, statistic=DEFAULT_STATISTIC[metric])
        per_day = per_metric[metric][day]
        per_day[value] = per_day.get(value, 0) + n
    return per_metric


def _merged(by_day: dict[date, Histogram], last: date, length: int) -> Histogram:
    merged: Histogram = {}
    for back in range(length):
        for value, n in by_day.get(last - timedelta(days=back), {}).items():
            merged[value] = merged.get(value, 0) + n
    return merged


def _candidate(
    *,
    session: Session,
    program: str,
    metric: Metric,
    test: DropTest,
    days: Days,
    horizon: Horizon,
    rule: DropDesign,
) -> Candidate:
    label = metric_label(metric, DEFAULT_STATISTIC[metric])
    since = start_of(days.today - timedelta(days=horizon.length - 1))
    until = days.current()[1]
    quotes = chosen_quotes(
        alert_counts.detractor_sentences(
            session=session, program=program, metric=metric.value, since=since, until=until, limit=CANDIDATES
        )
    )
    evidence = Evidence(
        what=f"{label} {horizon.name} {test.value:.1f} (n={test.n}), down from {test.baseline:.1f}: "
        f"−{test.drop:.1f} (90% interval {test.low:.1f} to {test.high:.1f})",
        value=test.value,
        baseline=test.baseline,
        low=test.low,
        high=test.high,
        since=since,
        n=test.n,
        baseline_n=test.baseline_n,
        test=f"one-sided t on the {rule.period}'s {label} with between-{rule.period} drift "
        f"(τ={test.between:.2g}) allowed for: p={test.p_value:.2g} at α={rule.alpha:.2g} "
        f"(≤ {rule.false_alarms_per_metric_year:g} false alarm per metric-year)",
        p_value=test.p_value,
        quotes=quotes,
    )
    return Candidate(
        program=program,
        kind=AlertKind.METRIC_DROP,
        subject=f"{metric.value}{horizon.suffix}",
        label=label if horizon is DAY else f"{label}, last 7 days",
        severity=severity_for_drop(max(test.low, 0.0), span=SPAN[metric]),
        evidence=evidence,
    )
