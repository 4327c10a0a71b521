"""Detection: one run over every program with responses today, opening an alert per new episode.

Each detector (`rising_themes`, `metric_drops`, `new_themes`) reads the store's daily counts and
tests today so far with the pure core's statistics; a share or a mean needs no complete day. A
subject whose episode is in progress (open, acknowledged, or snoozed and still asleep), or whose
resolved episode opened within the cooldown (7 days), is cooling: it is tested but stays quiet.
A snoozed episode whose snooze ended and whose subject still alarms opens again with the new
evidence, and routing sends it on again. The counts are read without the write turn; only the
few alerts found are written, in one short transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from askwhy.alerts.candidates import WEEKLY_DROP, Candidate, Cooling, Days, DetectionDesign, days_for
from askwhy.alerts.episodes import as_alert
from askwhy.alerts.metric_drops import metric_drops
from askwhy.alerts.new_themes import new_themes
from askwhy.alerts.rising_themes import rising_themes
from askwhy.alerts.segment_rising import segment_rising
from askwhy.analysis.emerging import Design
from askwhy.analysis.metric_drop import DropDesign
from askwhy.clock import Clock
from askwhy.domain.alerts import Alert, AlertKind, AlertState, evidence_to_json, state_at
from askwhy.domain.program import AlertQuestions
from askwhy.settings import Settings
from askwhy.store import alert_counts, alerts, invitation_outcomes
from askwhy.store.alert_tables import AlertRow
from askwhy.store.alerts import EpisodeKey, NewAlert

log = logging.getLogger(__name__)


def design_from(settings: Settings) -> DetectionDesign:
    """The detectors' design from the ``ASKWHY_ALERT_*`` settings."""
    baseline = settings.alert_baseline_days
    yearly = settings.alert_false_alarms_per_theme_year
    return DetectionDesign(
        rising=Design(
            false_alarms_per_theme_year=yearly,
            baseline_periods=baseline,
            min_mentions=settings.alert_min_mentions,
            false_discovery_rate=settings.alert_false_discovery_rate,
        ),
        drop=DropDesign(
            false_alarms_per_metric_year=yearly,
            baseline_periods=baseline,
            min_responses=settings.alert_metric_min_responses,
        ),
        drop_week=replace(
            WEEKLY_DROP,
            false_alarms_per_metric_year=yearly,
            min_responses=settings.alert_metric_min_responses,
        ),
        new_theme_days=settings.alert_new_theme_days,
        new_theme_min_size=settings.theme_min_size or settings.alert_min_mentions,
        segments=tuple(settings.alert_segments),
    )


def detect(
    *,
    sessions: sessionmaker[Session],
    clock: Clock,
    design: DetectionDesign,
    program: str | None = None,
    reads: sessionmaker[Session] | None = None,
) -> list[Alert]:
    """Run every detector on every program with an analysed response today (or on ``program``);
    returns the alerts opened or opened again by this run."""
    now = clock.now()
    days = days_for(now, design)
    with (reads or sessions).begin() as session:
        programs = [program] if program else _programs_today(session, days)
        cooling = {name: _cooling(session, name, now, design) for name in programs}
        found = [
            candidate
            for name in programs
            for candidate in _candidates(
                session=session,
                program=name,
                days=days,
                design=_with_program_segments(session, name, design),
                cooling=cooling[name],
            )
        ]
        waking = alerts.snoozes_ended(session=session, now=now)
    if not found and not waking:
        return []  # nothing to write: no write turn taken
    with sessions.begin() as session:
        opened = _write(session=session, candidates=found, now=now)
        alerts.wake_snoozed(session=session, now=now)
        result = [as_alert(row) for row in opened]
    if result:
        log.info("opened %d alerts: %s", len(result), ", ".join(f"{a.kind}:{a.subject}" for a in result))
    return result


def _with_program_segments(session: Session, program: str, design: DetectionDesign) -> DetectionDesign:
    """The design with the segments the program's YAML watches (``alerts.segments``) added to the
    settings' own (``ASKWHY_ALERT_SEGMENTS``)."""
    definition = invitation_outcomes.program_definition(session=session, program=program) or {}
    named = AlertQuestions.model_validate(definition.get("alerts") or {}).segments
    extra = tuple(name for name in named if name not in design.segments)
    return replace(design, segments=design.segments + extra) if extra else design


def _programs_today(session: Session, days: Days) -> list[str]:
    return alert_counts.programs_analysed_since(session=session, since=days.current()[0])


def _cooling(session: Session, program: str, now: datetime, design: DetectionDesign) -> Cooling:
    """The program's episodes in progress (but for snoozes that have ended), and those opened within
    the cooldown even if resolved since: the benchmarked false-alarm rate counts that cooldown."""
    keys = {
        (key.kind, key.subject, key.segment_key)
        for key, row in alerts.episodes_in_progress(session=session, program=program).items()
        if not _snooze_ended(row, now)
    }
    since = now - timedelta(days=design.rising.cooldown_periods)
    keys |= {
        (key.kind, key.subject, key.segment_key)
        for key in alerts.resolved_opened_since(session=session, program=program, since=since)
    }
    return Cooling(frozenset(keys))


def _snooze_ended(row: AlertRow, now: datetime) -> bool:
    stored = AlertState(row.state)
    return stored is AlertState.SNOOZED and state_at(stored, row.snoozed_until, now) is AlertState.OPEN


def _candidates(
    *, session: Session, program: str, days: Days, design: DetectionDesign, cooling: Cooling
) -> list[Candidate]:
    """Every detector's candidates. A theme that is new is not also reported as rising (against a
    baseline of nothing, it always is): a new-theme episode in progress cools its rise too."""
    new = new_themes(session=session, program=program, days=days, design=design,
                     cooling=cooling.of(AlertKind.NEW_THEME))  # fmt: skip
    fresh = {c.subject for c in new} | cooling.of(AlertKind.NEW_THEME)
    rising = rising_themes(session=session, program=program, days=days, design=design,
                           cooling=cooling.of(AlertKind.RISING_THEME) | fresh)  # fmt: skip
    in_segments = segment_rising(session=session, program=program, days=days, design=design,
                                 cooling=cooling.in_segments(AlertKind.RISING_THEME))  # fmt: skip
    drops = metric_drops(session=session, program=program, days=days, design=design,
                         cooling=cooling.of(AlertKind.METRIC_DROP),
                         cooling_segments=cooling.in_segments(AlertKind.METRIC_DROP))  # fmt: skip
    return [*rising, *(c for c in in_segments if c.subject not in fresh), *drops, *new]


def _write(*, session: Session, candidates: Sequence[Candidate], now: datetime) -> list[AlertRow]:
    """Open each candidate's episode, or open again a snoozed one whose snooze has ended; a subject
    whose episode another run opened in the meantime is left to that episode."""
    written: list[AlertRow] = []
    by_program: dict[str, dict[EpisodeKey, AlertRow]] = {}
    for candidate in candidates:
        key = EpisodeKey(candidate.program, candidate.kind.value, candidate.subject, candidate.segment_key)
        progress = by_program.setdefault(
            candidate.program, alerts.episodes_in_progress(session=session, program=candidate.program)
        )
        new = NewAlert(key, candidate.label, candidate.segment, candidate.severity.value,
                       evidence_to_json(candidate.evidence))  # fmt: skip
        row = progress.get(key)
        if row is None:
            opened = alerts.open_alert(session=session, alert=new, now=now)
            if opened is not None:
                written.append(opened)
        elif _snooze_ended(row, now):
            alerts.reopen_snoozed(session=session, row=row, alert=new, now=now)
            written.append(row)
    session.flush()
    return written
