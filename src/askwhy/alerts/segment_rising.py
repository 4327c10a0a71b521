"""Rising themes within segments: each theme's share among one segment value's responses, today so far.

A theme can rise in one region or plan while the program's share hardly moves. For each segment
name the settings watch (``ASKWHY_ALERT_SEGMENTS``), every (theme, value) pair is tested like a
theme of the whole program (`askwhy.analysis.emerging`), with Benjamini–Hochberg across the pairs
of that name; an episode is one theme in one segment value.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from askwhy.alerts.candidates import Candidate, Days, DetectionDesign, start_of
from askwhy.alerts.evidence import theme_quotes
from askwhy.analysis.emerging import PeriodCount, RisingTest, alarms, elevated_periods, rising
from askwhy.domain.alerts import AlertKind, Evidence, severity_for_ratio
from askwhy.store import alert_counts
from askwhy.store.alert_counts import LiveTheme

SEPARATOR = "\x1f"


def segment_rising(
    *,
    session: Session,
    program: str,
    days: Days,
    design: DetectionDesign,
    cooling: frozenset[tuple[str, str]],
) -> list[Candidate]:
    """A candidate for each (theme, segment value) whose share today alarms; pairs in ``cooling``
    ((theme id, segment key) with an episode in progress) are tested but stay quiet."""
    themes = alert_counts.live_themes(session=session)
    found: list[Candidate] = []
    for name in design.segments if themes else ():
        found.extend(_one_name(session=session, program=program, name=name, days=days, design=design,
                               themes=themes, cooling=cooling))  # fmt: skip
    return found


def _one_name(
    *,
    session: Session,
    program: str,
    name: str,
    days: Days,
    design: DetectionDesign,
    themes: dict[str, LiveTheme],
    cooling: frozenset[tuple[str, str]],
) -> list[Candidate]:
    since, until = days.span()
    analysed = alert_counts.analysed_per_segment_day(
        session=session, program=program, name=name, since=since, until=until
    )
    counts = alert_counts.theme_responses_per_segment_day(
        session=session, program=program, name=name, since=since, until=until
    )
    history_days = days.history_days()
    coded_from = _coded_from(themes, counts)
    tests: dict[str, RisingTest] = {}
    histories: dict[str, list[PeriodCount]] = {}
    for value, per_day in analysed.items():
        if not per_day.get(days.today):
            continue
        for theme_id in themes:
            mentions = counts.get((theme_id, value), {})
            key = SEPARATOR.join((theme_id, value))
            histories[key] = _history(mentions, per_day, history_days, coded_from=coded_from[theme_id])
            current = PeriodCount(mentions.get(days.today, 0), per_day[days.today])
            tests[key] = rising(histories[key], current, design=design.rising)
    quiet = frozenset(SEPARATOR.join((t, v.split("=", 1)[1])) for t, v in cooling if v.startswith(f"{name}="))
    return [
        _candidate(
            session=session,
            program=program,
            name=name,
            key=key,
            test=tests[key],
            history=histories[key],
            themes=themes,
            days=days,
            design=design,
        )
        for key in alarms(tests, design=design.rising, cooling=quiet)
    ]


def _coded_from(
    themes: dict[str, LiveTheme], counts: dict[tuple[str, str], dict[date, int]]
) -> dict[str, date]:
    """Each theme's first day it could be coded, as for the whole program (`rising_themes`): the
    earlier of its creation and its first mention in any value, so the days before a theme a guide
    added today are no history rather than days without a mention."""
    first = {theme_id: theme.created_at.date() for theme_id, theme in themes.items()}
    for (theme_id, _), per_day in counts.items():
        mentioned = [day for day, n in per_day.items() if n]
        if theme_id in first and mentioned:
            first[theme_id] = min(first[theme_id], *mentioned)
    return first


def _history(
    mentions: dict[date, int], analysed: dict[date, int], history_days: list[date], *, coded_from: date
) -> list[PeriodCount]:
    return [
        PeriodCount(mentions.get(d, 0), analysed.get(d, 0) if d >= coded_from else 0) for d in history_days
    ]


def _candidate(
    *,
    session: Session,
    program: str,
    name: str,
    key: str,
    test: RisingTest,
    history: list[PeriodCount],
    themes: dict[str, LiveTheme],
    days: Days,
    design: DetectionDesign,
) -> Candidate:
    theme_id, value = key.split(SEPARATOR, 1)
    label, rule = themes[theme_id].label, design.rising
    segment = {name: value}
    baseline = history[: len(history) - rule.guard_periods][-rule.baseline_periods :]
    since, until = days.current()
    evidence = Evidence(
        what=f"{label} in {name} {value}: {test.share:.1%} of its responses today ({test.mentions} of "
        f"{test.total}), up from {test.baseline_share:.1%}",
        value=test.share,
        baseline=test.baseline_share,
        low=test.ratio_low,
        high=None,
        since=start_of(days.today - timedelta(days=elevated_periods(history, design=rule))),
        n=test.total,
        baseline_n=sum(p.total for p in baseline),
        test=f"beta-binomial upper tail in {name} {value}: p={test.p_value:.2g} at α={test.alpha:.2g}, "
        f"Benjamini–Hochberg q={rule.false_discovery_rate:g} across the themes and values of {name}",
        p_value=test.p_value,
        quotes=theme_quotes(
            session=session,
            program=program,
            theme_id=theme_id,
            since=since,
            until=until,
            segment=(name, value),
            near_duplicate=design.near_duplicate,
        ),
    )
    return Candidate(program, AlertKind.RISING_THEME, theme_id, label, severity_for_ratio(test.ratio_low),
                     evidence, segment)  # fmt: skip
