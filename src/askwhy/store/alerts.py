"""Reading and writing alert episodes: open one unless its subject has one in progress, list, change state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from askwhy.store.alert_answer_tables import AlertAnswer
from askwhy.store.alert_tables import AlertRow, DetectionMark

RESOLVED = "resolved"
SNOOZED = "snoozed"
RISING_THEME = "rising_theme"


@dataclass(frozen=True)
class EpisodeKey:
    """What makes one episode: the same subject in the same program and segment."""

    program: str
    kind: str
    subject: str
    segment_key: str


@dataclass(frozen=True)
class NewAlert:
    """An alert detection wants to open."""

    key: EpisodeKey
    label: str
    segment: Mapping[str, str]
    severity: str
    evidence: Mapping[str, Any]


def episodes_in_progress(*, session: Session, program: str) -> dict[EpisodeKey, AlertRow]:
    """The program's episodes not resolved, by key (at most one per key, by the unique index)."""
    rows = session.scalars(select(AlertRow).where(AlertRow.program == program, AlertRow.state != RESOLVED))
    return {_key(row): row for row in rows}


def resolved_opened_since(*, session: Session, program: str, since: datetime) -> set[EpisodeKey]:
    """The keys of the program's resolved episodes opened on or after ``since``: a subject that
    alarmed within the cooldown stays quiet even once its episode was resolved."""
    rows = session.execute(
        select(AlertRow.program, AlertRow.kind, AlertRow.subject, AlertRow.segment_key).where(
            AlertRow.program == program, AlertRow.opened_at >= since, AlertRow.state == RESOLVED
        )
    )
    return {EpisodeKey(*row) for row in rows}


def open_alert(*, session: Session, alert: NewAlert, now: datetime) -> AlertRow | None:
    """Insert the alert as a new open episode; None if another run opened one for its key first."""
    key = alert.key
    row = AlertRow(
        program=key.program,
        kind=key.kind,
        subject=key.subject,
        segment_key=key.segment_key,
        label=alert.label[:200],
        segment=dict(alert.segment),
        severity=alert.severity,
        state="open",
        opened_at=now,
        updated_at=now,
        evidence=dict(alert.evidence),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None  # the partial unique index: an episode of this key is already in progress
    return row


def reopen_snoozed(*, session: Session, row: AlertRow, alert: NewAlert, now: datetime) -> None:
    """A snoozed episode whose snooze ended and whose subject still alarms: open again, with the
    new evidence, for routing to send on again."""
    row.state = "open"
    row.snoozed_until = None
    row.severity = alert.severity
    row.evidence = dict(alert.evidence)
    row.updated_at = now
    row.routed_at = None


def get_alert(*, session: Session, alert_id: str) -> AlertRow | None:
    return session.get(AlertRow, alert_id)


def list_alerts(
    *, session: Session, program: str | None = None, states: list[str] | None = None, limit: int = 100
) -> list[AlertRow]:
    """Alerts newest first, narrowed to a program and to stored states if given."""
    query = select(AlertRow).order_by(AlertRow.opened_at.desc(), AlertRow.id).limit(limit)
    if program:
        query = query.where(AlertRow.program == program)
    if states:
        query = query.where(AlertRow.state.in_(states))
    return list(session.scalars(query))


def snoozes_ended(*, session: Session, now: datetime) -> bool:
    """True when some episode is stored as snoozed though its snooze has ended."""
    query = select(AlertRow.id).where(AlertRow.state == SNOOZED, AlertRow.snoozed_until <= now).limit(1)
    return session.scalar(query) is not None


def wake_snoozed(*, session: Session, now: datetime) -> int:
    """Episodes whose snooze has ended are stored as open again; returns how many."""
    result = session.execute(
        update(AlertRow)
        .where(AlertRow.state == SNOOZED, AlertRow.snoozed_until <= now)
        .values(state="open", snoozed_until=None, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def mark(*, session: Session, name: str) -> int | None:
    """The number detection remembered under ``name``, if any."""
    row = session.get(DetectionMark, name)
    return None if row is None else row.value


def set_mark(*, session: Session, name: str, value: int, now: datetime) -> None:
    row = session.get(DetectionMark, name)
    if row is None:
        session.add(DetectionMark(name=name, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now


@dataclass(frozen=True)
class AskableAlert:
    """An episode a conversation may ask about: its theme's label, its segment, its answers so far."""

    alert_id: str
    label: str
    segment: Mapping[str, str]
    answers: int


def alerts_to_ask_about(*, session: Session, program: str) -> list[AskableAlert]:
    """The program's rising-theme episodes not resolved, oldest first, each with its answer count.

    Read on every turn, so it stays an index seek on the program's alerts (a handful) with the
    answers counted through their unique (alert, conversation) index, and the statement is built
    once (`_ASKABLE`): building and keying it anew cost each turn three times the query itself.
    """
    rows = session.execute(_ASKABLE, {"program": program})
    return [AskableAlert(i, label, segment or {}, count) for i, label, segment, count in rows]


_ASKABLE = (
    select(
        AlertRow.id,
        AlertRow.label,
        AlertRow.segment,
        select(func.count(AlertAnswer.id)).where(AlertAnswer.alert_id == AlertRow.id).scalar_subquery(),
    )
    .where(
        AlertRow.program == bindparam("program"),
        AlertRow.kind == RISING_THEME,
        AlertRow.state != RESOLVED,
    )
    .order_by(AlertRow.opened_at, AlertRow.id)
)


def add_answer(
    *,
    session: Session,
    alert_id: str,
    conversation_id: str,
    text: str,
    affected: bool | None,
    language: str,
    now: datetime,
) -> bool:
    """Keep a customer's answer with the alert; False when this conversation already answered it."""
    row = AlertAnswer(alert_id=alert_id, conversation_id=conversation_id, text=text, affected=affected,
                      language=language, answered_at=now)  # fmt: skip
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def answers_to(*, session: Session, alert_id: str, limit: int = 20) -> tuple[int, int, list[AlertAnswer]]:
    """How many answered the alert's question, how many of them said it affected them, and the
    latest ``limit`` answers."""
    count, affected = session.execute(
        select(
            func.count(AlertAnswer.id), func.count(AlertAnswer.id).filter(AlertAnswer.affected.is_(True))
        ).where(AlertAnswer.alert_id == alert_id)
    ).one()
    latest = session.scalars(
        select(AlertAnswer)
        .where(AlertAnswer.alert_id == alert_id)
        .order_by(AlertAnswer.answered_at.desc(), AlertAnswer.id.desc())
        .limit(limit)
    )
    return int(count), int(affected), list(latest)


def _key(row: AlertRow) -> EpisodeKey:
    return EpisodeKey(row.program, row.kind, row.subject, row.segment_key)
