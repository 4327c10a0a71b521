"""Rising themes in one program: each live top-level theme's share today so far against its history,
and the run of recent days up to now (a sustained rise, `askwhy.analysis.sustained_rise`); either
opens an alert, each at its part of the false-alarm budget."""

from __future__ import annotations

import math
from datetime import date, timedelta

from sqlalchemy.orm import Session

from askwhy.alerts.candidates import Candidate, Days, DetectionDesign, start_of
from askwhy.alerts.evidence import affected_segments, theme_quotes
from askwhy.analysis.emerging import PeriodCount, RisingTest, alarms, elevated_periods, rising
from askwhy.analysis.sustained_rise import SustainedTest, sustained, sustained_alarm
from askwhy.domain.alerts import AlertKind, Evidence, severity_for_ratio
from askwhy.store import alert_counts


def rising_themes(
    *, session: Session, program: str, days: Days, design: DetectionDesign, cooling: frozenset[str]
) -> list[Candidate]:
    """A candidate for each theme whose share today alarms (BH across the program's themes), with
    its evidence; themes in ``cooling`` (an episode in progress) are tested but stay quiet."""
    since, until = days.span()
    themes = alert_counts.live_themes(session=session)
    if not themes:
        return []
    analysed = alert_counts.analysed_per_day(session=session, program=program, since=since, until=until)
    if not analysed.get(days.today):
        return []
    counts = alert_counts.theme_responses_per_day(session=session, program=program, since=since, until=until)
    history_days = days.history_days()
    histories = {
        theme_id: _history(
            counts.get(theme_id, {}), analysed, history_days, coded_from=_coded_from(theme, counts)
        )
        for theme_id, theme in themes.items()
    }
    today = {
        theme_id: PeriodCount(counts.get(theme_id, {}).get(days.today, 0), analysed[days.today])
        for theme_id in themes
    }
    tests = {t: rising(histories[t], today[t], design=design.rising) for t in themes}
    found = alarms(tests, design=design.rising, cooling=cooling)
    rises = [
        Candidate(
            program=program,
            kind=AlertKind.RISING_THEME,
            subject=theme_id,
            label=themes[theme_id].label,
            severity=severity_for_ratio(tests[theme_id].ratio_low),
            evidence=_evidence(
                session=session,
                program=program,
                theme_id=theme_id,
                label=themes[theme_id].label,
                test=tests[theme_id],
                history=histories[theme_id],
                days=days,
                design=design,
            ),
        )
        for theme_id in found
    ]
    runs = _sustained(histories, today, design=design, quiet=cooling | set(found))
    return rises + [
        _sustained_candidate(
            session=session,
            program=program,
            theme_id=theme_id,
            label=themes[theme_id].label,
            test=test,
            days=days,
            history=histories[theme_id],
            design=design,
        )
        for theme_id, test in runs.items()
    ]


def _sustained(
    histories: dict[str, list[PeriodCount]],
    today: dict[str, PeriodCount],
    *,
    design: DetectionDesign,
    quiet: set[str] | frozenset[str],
) -> dict[str, SustainedTest]:
    """The themes whose run of recent days alarms, but for those already alarming or cooling."""
    if design.rising.sustained_part <= 0:
        return {}
    tests = {t: sustained(histories[t], today[t], design=design.rising) for t in today if t not in quiet}
    return {t: test for t, test in tests.items() if sustained_alarm(test, design=design.rising)}


def _sustained_candidate(
    *,
    session: Session,
    program: str,
    theme_id: str,
    label: str,
    test: SustainedTest,
    days: Days,
    history: list[PeriodCount],
    design: DetectionDesign,
) -> Candidate:
    rule = design.rising
    since = start_of(days.today - timedelta(days=test.periods - 1))
    until = days.current()[1]
    baseline = history[: len(history) - rule.sustained_periods][-rule.baseline_periods :]
    evidence = Evidence(
        what=f"{label}: {test.share:.1%} of responses over the last {test.periods} days "
        f"({test.mentions} of {test.total}), up from {test.baseline_share:.1%}",
        value=test.share,
        baseline=test.baseline_share,
        low=test.ratio_low,
        high=None,
        since=since,
        n=test.total,
        baseline_n=sum(p.total for p in baseline),
        test=f"sustained rise (CUSUM of beta-binomial log-likelihood ratios, a share of "
        f"{test.rise_share:.2%} against {test.baseline_share:.2%}): {test.mentions} mentions against "
        f"{test.expected:.1f} expected, run score {test.score:.1f} over h={test.threshold:.1f} "
        f"(e^-h per run begun for its part of the false alarms per theme-year)",
        p_value=min(1.0, math.exp(-test.score)),
        segments=affected_segments(
            session=session,
            program=program,
            theme_id=theme_id,
            current=(since, until),
            baseline=days.baseline(rule.sustained_periods),
        ),
        quotes=theme_quotes(
            session=session,
            program=program,
            theme_id=theme_id,
            since=since,
            until=until,
            near_duplicate=design.near_duplicate,
        ),
    )
    severity = severity_for_ratio(test.ratio_low)
    return Candidate(program, AlertKind.RISING_THEME, theme_id, label, severity, evidence)


def _coded_from(theme: alert_counts.LiveTheme, counts: dict[str, dict[date, int]]) -> date:
    """The first day responses could be coded with the theme: the earlier of its creation and its
    first mention. A theme a guide adds today was never looked for in older responses, so the days
    before it count as no history, not as days without a mention."""
    mentioned = [day for day, n in counts.get(theme.id, {}).items() if n]
    return min([theme.created_at.date(), *mentioned])


def _history(
    mentions: dict[date, int], analysed: dict[date, int], days: list[date], *, coded_from: date
) -> list[PeriodCount]:
    return [PeriodCount(mentions.get(d, 0), analysed.get(d, 0) if d >= coded_from else 0) for d in days]


def _evidence(
    *,
    session: Session,
    program: str,
    theme_id: str,
    label: str,
    test: RisingTest,
    history: list[PeriodCount],
    days: Days,
    design: DetectionDesign,
) -> Evidence:
    rule = design.rising
    baseline = history[: len(history) - rule.guard_periods][-rule.baseline_periods :]
    elevated = elevated_periods(history, design=rule)
    return Evidence(
        what=f"{label}: {test.share:.1%} of responses today ({test.mentions} of {test.total}), "
        f"up from {test.baseline_share:.1%}",
        value=test.share,
        baseline=test.baseline_share,
        low=test.ratio_low,
        high=None,
        since=start_of(days.today - timedelta(days=elevated)),
        n=test.total,
        baseline_n=sum(p.total for p in baseline),
        test=f"beta-binomial upper tail: {test.mentions} mentions against {test.expected:.1f} expected, "
        f"p={test.p_value:.2g} at α={test.alpha:.2g} (the day's α={rule.alpha:.2g} for ≤ "
        f"{rule.false_alarms_per_theme_year:g} false alarm per theme-year, spread over the day's checks), "
        f"Benjamini–Hochberg q={rule.false_discovery_rate:g}",
        p_value=test.p_value,
        segments=affected_segments(
            session=session,
            program=program,
            theme_id=theme_id,
            current=days.current(),
            baseline=days.baseline(rule.guard_periods),
        ),
        quotes=theme_quotes(
            session=session,
            program=program,
            theme_id=theme_id,
            since=days.current()[0],
            until=days.current()[1],
            near_duplicate=design.near_duplicate,
        ),
    )
