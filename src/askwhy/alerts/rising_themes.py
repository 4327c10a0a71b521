"""Rising themes in one program: each live top-level theme's share today so far against its history."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from askwhy.alerts.candidates import Candidate, Days, DetectionDesign, start_of
from askwhy.alerts.evidence import affected_segments, theme_quotes
from askwhy.analysis.emerging import PeriodCount, RisingTest, alarms, elevated_periods, rising
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
    return [
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
        ),
    )
