"""How well a program's teams keep their promises: time to first response and to resolution,
share resolved within the SLA, and the recovered share, per team and for the whole program."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy.orm import Session

from askwhy.cases.follow_up import recovered_share
from askwhy.domain.cases import CaseStatus
from askwhy.store import cases as store
from askwhy.store.case_tables import Case


@dataclass(frozen=True)
class CaseMeasures:
    program: str
    team: str | None
    """None: every team of the program."""
    cases: int
    open: int
    median_first_response_hours: float | None
    median_resolution_hours: float | None
    within_sla: float | None
    """Of the cases resolved, or still active past their deadline: the share resolved in time."""
    judged: int
    recovered: float | None
    """Of the detractors' answered follow-ups: the share now passive or promoter."""
    follow_ups: int


def measures(*, session: Session, now: datetime, program: str | None = None) -> list[CaseMeasures]:
    """Per program, its measures over every team, then one row per team."""
    rows = store.for_measures(session=session, program=program)
    found: list[CaseMeasures] = []
    for name in sorted({case.program for case in rows}):
        mine = [case for case in rows if case.program == name]
        found.append(_measure(name, None, mine, now))
        for team in sorted({case.team for case in mine if case.team}):
            found.append(_measure(name, team, [case for case in mine if case.team == team], now))
    return found


def _measure(program: str, team: str | None, cases: Sequence[Case], now: datetime) -> CaseMeasures:
    judged = [case for case in cases if _judged(case, now)]
    within = [case for case in judged if case.resolved_at is not None and case.resolved_at <= _due(case)]
    share, answered = recovered_share(cases)
    return CaseMeasures(
        program=program,
        team=team,
        cases=len(cases),
        open=sum(CaseStatus(case.status).is_active for case in cases),
        median_first_response_hours=_median_hours([(c.opened_at, c.first_response_at) for c in cases]),
        median_resolution_hours=_median_hours([(c.opened_at, c.resolved_at) for c in cases]),
        within_sla=len(within) / len(judged) if judged else None,
        judged=len(judged),
        recovered=share,
        follow_ups=answered,
    )


def _due(case: Case) -> datetime:
    assert case.due_at is not None
    return case.due_at


def _judged(case: Case, now: datetime) -> bool:
    """A case counts for the SLA once resolved, or once its deadline passed unresolved."""
    if case.due_at is None:
        return False
    return case.resolved_at is not None or case.due_at <= now


def _median_hours(spans: Sequence[tuple[datetime, datetime | None]]) -> float | None:
    hours = [(end - start).total_seconds() / 3600 for start, end in spans if end is not None]
    return round(median(hours), 2) if hours else None
