"""Metric drops in one program: NPS, CSAT, CES and the negative share, today so far and over the last
seven days, for the whole program and in each value of the segments watched, against their history.

Today catches a sudden fall; the week catches a slide too gentle for any one day. Each horizon is
its own episode (subjects ``nps`` and ``nps-week``, ``negative-share`` and
``negative-share-week``), each test at its own α from the same false alarms per metric-year. In
segment values, the tests of one segment name (every value, measure and horizon) must also pass
Benjamini–Hochberg together, as rising themes in segments do; an episode is one measure in one
value. Each alert names the segment values that moved most (whole-program alerts) and quotes the
unhappiest redacted sentences behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from askwhy.alerts.candidates import Candidate, Days, DetectionDesign, start_of
from askwhy.alerts.evidence import CANDIDATES, chosen_quotes
from askwhy.alerts.metric_series import Histogram, Measure, Series, metric_of, series_by_value, whole_program
from askwhy.analysis.metric_drop import DropDesign, DropTest, PeriodScores, alarms, dropping, period_scores
from askwhy.domain.alerts import AffectedSegment, AlertKind, Evidence, segment_key, severity_for_drop
from askwhy.domain.changes import benjamini_hochberg
from askwhy.store import alert_counts, alert_metric_counts

SEGMENTS = 3
MIN_SEGMENT_RESPONSES = 3


@dataclass(frozen=True)
class Horizon:
    """Today, or the last seven days: how periods are cut, and what the alert calls them."""

    suffix: str
    name: str
    length: int

    def periods(self, by_day: Series, days: Days) -> tuple[list[PeriodScores], PeriodScores]:
        """The history (oldest first) and the current period, each ``length`` days ending today."""
        blocks = [
            self.block(by_day, days.today - timedelta(days=self.length * k)) for k in range(self.count(days))
        ]
        return [period_scores(b) for b in reversed(blocks[1:])], period_scores(blocks[0])

    def count(self, days: Days) -> int:
        return days.history // self.length

    def block(self, by_day: Series, last: date) -> Histogram:
        """The ``length`` days ending on ``last``, merged."""
        merged: Histogram = {}
        for back in range(self.length):
            for value, n in by_day.get(last - timedelta(days=back), {}).items():
                merged[value] = merged.get(value, 0) + n
        return merged


DAY = Horizon("", "today", 1)
WEEK = Horizon("-week", "in the last 7 days", 7)


@dataclass(frozen=True)
class Found:
    """A test that alarmed: what, where, over which horizon, under which design."""

    measure: Measure
    horizon: Horizon
    rule: DropDesign
    test: DropTest
    segment: tuple[str, str] | None = None


def metric_drops(
    *,
    session: Session,
    program: str,
    days: Days,
    design: DetectionDesign,
    cooling: frozenset[str],
    cooling_segments: frozenset[tuple[str, str]] = frozenset(),
) -> list[Candidate]:
    """A candidate for each measure and horizon that alarms as worsening, over the whole program
    (but for subjects in ``cooling``) and in each value of the watched segments (but for the
    (subject, segment key) pairs in ``cooling_segments``)."""
    since, until = days.span()
    found: list[Found] = []
    for measure, by_day in whole_program(session=session, program=program, since=since, until=until).items():
        for horizon, rule in _horizons(design):
            if measure.name + horizon.suffix in cooling:
                continue
            test = dropping(*horizon.periods(by_day, days), design=rule)
            if alarms(test, design=rule):
                found.append(Found(measure, horizon, rule, test))
    for name in design.segments:
        found += _in_values(session=session, program=program, name=name, days=days, design=design,
                            cooling=cooling_segments)  # fmt: skip
    return [
        _candidate(session=session, program=program, found=f, days=days, near_duplicate=design.near_duplicate)
        for f in found
    ]


def _horizons(design: DetectionDesign) -> list[tuple[Horizon, DropDesign]]:
    return [(DAY, design.drop)] + ([(WEEK, design.drop_week)] if design.drop_week else [])


def _in_values(
    *,
    session: Session,
    program: str,
    name: str,
    days: Days,
    design: DetectionDesign,
    cooling: frozenset[tuple[str, str]],
) -> list[Found]:
    """The (value, measure, horizon) tests of one segment name that alarm, under BH together."""
    since, until = days.span()
    tests: list[Found] = []
    for value, measures in series_by_value(session=session, program=program, since=since, until=until,
                                           name=name).items():  # fmt: skip
        for measure, by_day in measures.items():
            if not sum(by_day.get(days.today, {}).values()):
                continue
            for horizon, rule in _horizons(design):
                test = dropping(*horizon.periods(by_day, days), design=rule)
                if test.testable:
                    tests.append(Found(measure, horizon, rule, test, (name, value)))
    if not tests:
        return []
    passed, _ = benjamini_hochberg([f.test.p_value for f in tests], alpha=design.rising.false_discovery_rate)
    return [
        f
        for f, discovered in zip(tests, passed, strict=True)
        if discovered
        and alarms(f.test, design=f.rule)
        and (f.measure.name + f.horizon.suffix, segment_key(dict([f.segment or (name, "")]))) not in cooling
    ]


def _candidate(
    *, session: Session, program: str, found: Found, days: Days, near_duplicate: float
) -> Candidate:
    measure, horizon, rule, test = found.measure, found.horizon, found.rule, found.test
    since = start_of(days.today - timedelta(days=horizon.length - 1))
    until = days.current()[1]
    where = f" in {found.segment[0]} {found.segment[1]}" if found.segment else ""
    quotes = chosen_quotes(
        alert_metric_counts.unhappy_sentences(
            session=session, program=program, since=since, until=until, limit=CANDIDATES,
            metric=(m.value if (m := metric_of(measure)) else None), segment=found.segment,
        ),
        near_duplicate=near_duplicate,
    )  # fmt: skip
    value, baseline = measure.shown(test.value), measure.shown(test.baseline)
    unit = "%" if measure.rising_is_worse else ""
    move = "up" if measure.rising_is_worse else "down"
    evidence = Evidence(
        what=f"{measure.label}{where} {horizon.name} {value:.1f}{unit} (n={test.n}), {move} from "
        f"{baseline:.1f}{unit}: {'+' if measure.rising_is_worse else '−'}{test.drop:.1f} points "
        f"(90% interval {test.low:.1f} to {test.high:.1f})",
        value=value,
        baseline=baseline,
        low=test.low,
        high=test.high,
        since=since,
        n=test.n,
        baseline_n=test.baseline_n,
        test=f"one-sided t on the {rule.period}'s {measure.label}{where} with between-{rule.period} drift "
        f"(τ={test.between:.2g}) allowed for: p={test.p_value:.2g} at α={test.alpha:.2g} "
        f"(the {rule.period}'s α={rule.alpha:.2g} for ≤ {rule.false_alarms_per_metric_year:g} false "
        f"alarm per metric-year, spread over its checks)",
        p_value=test.p_value,
        segments=()
        if found.segment
        else _most_affected(session=session, program=program, found=found, days=days),
        quotes=quotes,
    )
    return Candidate(
        program=program,
        kind=AlertKind.METRIC_DROP,
        subject=measure.name + horizon.suffix,
        label=measure.label if horizon is DAY else f"{measure.label}, last 7 days",
        severity=severity_for_drop(max(test.low, 0.0), span=measure.span),
        evidence=evidence,
        segment=dict([found.segment]) if found.segment else {},
    )


def _most_affected(
    *, session: Session, program: str, found: Found, days: Days
) -> tuple[AffectedSegment, ...]:
    """The segment values where the measure worsened most against their own baseline, ranked by
    the worsening times the responses behind it (a big segment's fall counts more)."""
    since, until = days.span()
    current, baseline = found.horizon, found.rule
    ranked: list[tuple[float, AffectedSegment]] = []
    for name in alert_counts.segment_names(session=session, program=program, since=days.current()[0],
                                           until=until):  # fmt: skip
        per_value = series_by_value(session=session, program=program, since=since, until=until, name=name)
        for value, measures in per_value.items():
            history, now = current.periods(measures.get(found.measure, {}), days)
            end = max(len(history) - baseline.guard_periods, 0)
            then = _pooled(history[max(end - baseline.baseline_periods, 0) : end])
            if now.n < MIN_SEGMENT_RESPONSES or then.n == 0:
                continue
            worse = (then.mean - now.mean) * now.n
            if worse > 0:
                ranked.append((worse, _affected(found.measure, name, value, now, then)))
    ranked.sort(key=lambda pair: -pair[0])
    return tuple(segment for _, segment in ranked[:SEGMENTS])


def _pooled(periods: Sequence[PeriodScores]) -> PeriodScores:
    n = sum(p.n for p in periods)
    return PeriodScores(n, sum(p.n * p.mean for p in periods) / n if n else 0.0, 0.0)


def _affected(
    measure: Measure, name: str, value: str, now: PeriodScores, then: PeriodScores
) -> AffectedSegment:
    if measure.rising_is_worse:
        return AffectedSegment(
            name, value, measure.shown(now.mean) / 100, measure.shown(then.mean) / 100, now.n
        )
    return AffectedSegment(name, value, now.mean, then.mean, now.n, unit="points")
