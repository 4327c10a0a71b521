"""Alerts API: list and read alert episodes with their evidence; acknowledge, snooze and resolve them.

Reading needs an API key with the ``read`` scope (the evidence quotes customers, redacted);
changing an alert's state needs ``alerts:write``. The person or system acting is recorded as the
key (``key:<id>``). A key limited to some programs finds only their alerts: another program's alert
is "alert not found".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from askwhy.alerts import lifecycle, probes
from askwhy.domain.alerts import Alert, AlertState, evidence_to_json
from askwhy.service.auth import AlertsWriter
from askwhy.service.dependencies import ClockDep, ContainerDep, SessionsDep
from askwhy.service.key_programs import KeyReach, ReaderReach, ReadProgram
from askwhy.store.api_tables import ApiKey

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
T = TypeVar("T")


class AlertOut(BaseModel):
    id: str
    program: str
    kind: str
    subject: str
    label: str
    segment: dict[str, str]
    severity: str
    state: str
    opened_at: datetime | None
    updated_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    snoozed_until: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    evidence: dict[str, Any] | None = Field(
        description="What moved, by how much with its interval, since when, the n, the test, the "
        "segments most affected and redacted quotes."
    )
    answers: AnswersOut | None = Field(
        default=None,
        description="One alert only: customers' answers to the question it asked in later conversations "
        "(programs with alerts.ask_about_open_alerts).",
    )


class AnswerOut(BaseModel):
    text: str = Field(description="The customer's answer, redacted.")
    affected: bool | None = Field(description="Yes or no when the answer says so.")
    language: str
    answered_at: datetime


class AnswersOut(BaseModel):
    count: int = Field(description="Customers who answered the alert's question.")
    affected: int = Field(description="Of them, those who said it affected them.")
    latest: list[AnswerOut]


class AlertsOut(BaseModel):
    alerts: list[AlertOut]


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=2000, description="Why, for the team's record.")


class SnoozeIn(BaseModel):
    until: datetime = Field(description="When the alert opens again, ISO 8601 with its zone.")


@router.get("")
def list_alerts(
    container: ContainerDep,
    program: ReadProgram,
    state: Annotated[AlertState | None, Query(description="open, acknowledged, snoozed or resolved.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AlertsOut:
    """Alerts newest first; a snooze that has ended reads as open."""
    now = container.clock.now()
    with container.reads.begin() as session:  # a read: it never waits for the write turn
        found = lifecycle.list_alerts(session=session, now=now, program=program, state=state, limit=limit)
    return AlertsOut(alerts=[_out(a) for a in found])


@router.get("/{alert_id}")
def get_alert(alert_id: str, reach: ReaderReach, container: ContainerDep) -> AlertOut:
    """One alert with its evidence and the answers to the question it asked customers."""
    now = container.clock.now()
    alert, answers = _acting(
        container.reads,
        lambda s: (
            lifecycle.get_alert(session=s, alert_id=alert_id, now=now),
            probes.answers_to(session=s, alert_id=alert_id),
        ),
        reach=reach,
        alert_id=alert_id,
    )
    return _out(alert).model_copy(update={"answers": _answers_out(answers)})


@router.post("/{alert_id}/acknowledge")
def acknowledge(alert_id: str, key: AlertsWriter, sessions: SessionsDep, clock: ClockDep) -> AlertOut:
    """Someone owns it; the same episode does not alert again."""
    return _out(
        _acting(
            sessions,
            lambda s: lifecycle.acknowledge(session=s, alert_id=alert_id, by=_by(key), now=clock.now()),
            reach=KeyReach.of(key),
            alert_id=alert_id,
        )
    )


@router.post("/{alert_id}/snooze")
def snooze(
    alert_id: str, body: SnoozeIn, key: AlertsWriter, sessions: SessionsDep, clock: ClockDep
) -> AlertOut:
    """Quiet until a time; then it is open again, and alerts again if its subject still alarms."""
    try:
        return _out(
            _acting(
                sessions,
                lambda s: lifecycle.snooze(
                    session=s, alert_id=alert_id, until=body.until, by=_by(key), now=clock.now()
                ),
                reach=KeyReach.of(key),
                alert_id=alert_id,
            )
        )
    except lifecycle.BadSnooze as exc:
        raise RequestValidationError(
            [{"loc": ("body", exc.field), "msg": str(exc), "type": "value_error"}]
        ) from None


@router.post("/{alert_id}/resolve")
def resolve(
    alert_id: str, key: AlertsWriter, sessions: SessionsDep, clock: ClockDep, body: NoteIn | None = None
) -> AlertOut:
    """The episode is over; the next alarm of the same subject opens a new alert."""
    note = body.note if body else ""
    return _out(
        _acting(
            sessions,
            lambda s: lifecycle.resolve(
                session=s, alert_id=alert_id, by=_by(key), now=clock.now(), note=note
            ),
            reach=KeyReach.of(key),
            alert_id=alert_id,
        )
    )


def _acting(sessions: Any, action: Callable[[Session], T], *, reach: KeyReach, alert_id: str) -> T:
    """Run the use case in one transaction, turning its refusals into 404 and 409; another
    program's alert reads as a guessed one to a key limited to some programs."""
    try:
        with sessions.begin() as session:
            if reach.only is not None:
                reach.require(
                    lifecycle.program_of(session=session, alert_id=alert_id), not_found="alert not found"
                )
            return action(session)
    except lifecycle.AlertNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "alert not found") from None
    except lifecycle.AlertClosed as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


def _by(key: ApiKey) -> str:
    return f"key:{key.id}"


def _out(alert: Alert) -> AlertOut:
    return AlertOut(
        id=alert.id,
        program=alert.program,
        kind=alert.kind.value,
        subject=alert.subject,
        label=alert.label,
        segment=dict(alert.segment),
        severity=alert.severity.value,
        state=alert.state.value,
        opened_at=alert.opened_at,
        updated_at=alert.updated_at,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
        snoozed_until=alert.snoozed_until,
        resolved_at=alert.resolved_at,
        resolved_by=alert.resolved_by,
        evidence=evidence_to_json(alert.evidence) if alert.evidence else None,
    )


def _answers_out(answers: probes.ProbeAnswers) -> AnswersOut:
    return AnswersOut(
        count=answers.count,
        affected=answers.affected,
        latest=[AnswerOut(**vars(answer)) for answer in answers.latest],
    )
