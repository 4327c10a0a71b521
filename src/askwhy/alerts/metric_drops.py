"""Metric drops in one program: NPS, CSAT and CES today so far against their daily history."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy.orm import Session

from askwhy.alerts.candidates import Candidate, Days, DetectionDesign
from askwhy.alerts.evidence import CANDIDATES, chosen_quotes
from askwhy.analysis.metric_drop import DropTest, PeriodScores, alarms, dropping, period_scores
from askwhy.domain.alerts import AlertKind, Evidence, severity_for_drop
from askwhy.domain.metrics import DEFAULT_STATISTIC, metric_label, respondent_value
from askwhy.domain.scales import Metric
from askwhy.store import alert_counts

SPAN = {Metric.NPS: 100.0, Metric.CSAT: 100.0, Metric.CES: 6.0}
"""What a metric's severity is measured against: points of NPS and CSAT (top-2-box), CES's 1–7 range."""


def metric_drops(
    *, session: Session, program: str, days: Days, design: DetectionDesign, cooling: frozenset[str]
) -> list[Candidate]:
    """A candidate for each of the program's metrics whose value today alarms as dropping."""
    since, until = days.span()
    counts = alert_counts.scores_per_day(session=session, program=program, since=since, until=until)
    per_metric: dict[Metric, dict[date, dict[float, int]]] = defaultdict(lambda: defaultdict(dict))
    for (name, day, score), n in counts.items():
        if name not in SPAN:
            continue
        metric = Metric(name)
        value = respondent_value(score, metric=metric, statistic=DEFAULT_STATISTIC[metric])
        per_day = per_metric[metric][day]
        per_day[value] = per_day.get(value, 0) + n
    found = []
    for metric, by_day in per_metric.items():
        if metric.value in cooling:
            continue
        history = [period_scores(by_day.get(d, {})) for d in days.history_days()]
        test = dropping(history, period_scores(by_day.get(days.today, {})), design=design.drop)
        if alarms(test, design=design.drop):
            found.append(_candidate(session=session, program=program, metric=metric, test=test, days=days,
                                    design=design, history=history))  # fmt: skip
    return found


def _candidate(
    *,
    session: Session,
    program: str,
    metric: Metric,
    test: DropTest,
    days: Days,
    design: DetectionDesign,
    history: list[PeriodScores],
) -> Candidate:
    label = metric_label(metric, DEFAULT_STATISTIC[metric])
    rule = design.drop
    since, until = days.current()
    quotes = chosen_quotes(
        alert_counts.detractor_sentences(
            session=session, program=program, metric=metric.value, since=since, until=until, limit=CANDIDATES
        )
    )
    evidence = Evidence(
        what=f"{label} today {test.value:.1f} (n={test.n}), down from {test.baseline:.1f}: "
        f"−{test.drop:.1f} (90% interval {test.low:.1f} to {test.high:.1f})",
        value=test.value,
        baseline=test.baseline,
        low=test.low,
        high=test.high,
        since=since,
        n=test.n,
        baseline_n=test.baseline_n,
        test=f"one-sided t on the daily {label} with between-day drift (τ={test.between:.2g}) allowed for: "
        f"p={test.p_value:.2g} at α={rule.alpha:.2g} (≤ {rule.false_alarms_per_metric_year:g} false alarm "
        "per metric-year)",
        p_value=test.p_value,
        quotes=quotes,
    )
    return Candidate(
        program=program,
        kind=AlertKind.METRIC_DROP,
        subject=metric.value,
        label=label,
        severity=severity_for_drop(max(test.low, 0.0), span=SPAN[metric]),
        evidence=evidence,
    )
