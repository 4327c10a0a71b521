"""Alert rules and destinations: read with ``read``, changed with ``alerts:write``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from askwhy.alerts import rules
from askwhy.alerts.destinations import stored
from askwhy.service.auth import AlertsWriter, Reader
from askwhy.service.dependencies import ClockDep, SessionsDep
from askwhy.service.key_programs import KeyReach, ReadProgram
from askwhy.store import alert_rules
from askwhy.store.notification_tables import AlertRule, Destination

router = APIRouter(tags=["alerts"])


class DestinationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["slack", "teams", "email", "webhook"]
    target: str = Field(min_length=1, max_length=2000, description="Webhook URL, e-mail address or env:NAME.")
    secret: str | None = Field(
        default=None, max_length=500, description="A webhook's whsec_ secret or env:NAME."
    )


class DestinationOut(BaseModel):
    id: str
    name: str
    kind: str
    target: str = Field(description="A URL shows its host only: the rest is a secret.")
    created_at: datetime
    secret: str | None = Field(default=None, description="A generated webhook secret, shown this once.")

    @classmethod
    def of(cls, row: Destination, *, secret: str | None = None) -> DestinationOut:
        return cls(
            id=row.id,
            name=row.name,
            kind=row.kind,
            target=stored.masked_target(row.target),
            created_at=row.created_at,
            secret=secret,
        )


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    program: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100)
    destinations: list[str] = Field(min_length=1, max_length=20)
    kinds: list[str] = Field(
        default_factory=list, description="rising_theme, new_theme, metric_drop; empty: all."
    )
    subjects: list[str] = Field(default_factory=list, max_length=200)
    segment: dict[str, str] = Field(default_factory=dict)
    min_severity: Literal["low", "medium", "high"] = "low"
    digests: list[Literal["daily", "weekly"]] = Field(default_factory=list)


class RuleOut(RuleIn):
    id: str
    created_at: datetime

    @classmethod
    def of(cls, row: AlertRule) -> RuleOut:
        return cls(
            id=row.id, program=row.program, name=row.name, destinations=row.destinations, kinds=row.kinds,
            subjects=row.subjects, segment=row.segment, min_severity=row.min_severity,
            digests=row.digests, created_at=row.created_at,
        )  # fmt: skip


@router.get("/v1/destinations")
def list_destinations(key: Reader, sessions: SessionsDep) -> list[DestinationOut]:
    """Where alerts can go; URLs show their host only."""
    KeyReach.of(key).require_every_program("listing destinations")
    with sessions.begin() as session:
        return [DestinationOut.of(row) for row in alert_rules.list_destinations(session=session)]


@router.post("/v1/destinations", status_code=status.HTTP_201_CREATED)
def add_destination(
    body: DestinationIn, key: AlertsWriter, sessions: SessionsDep, clock: ClockDep
) -> DestinationOut:
    """Add a destination; a webhook given no secret gets one, returned this once."""
    KeyReach.of(key).require_every_program("adding a destination")
    try:
        with sessions.begin() as session:
            row, generated = stored.add(session=session, now=clock.now(), **body.model_dump())
            return DestinationOut.of(row, secret=generated)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


@router.delete("/v1/destinations/{destination}", status_code=status.HTTP_204_NO_CONTENT)
def remove_destination(destination: str, key: AlertsWriter, sessions: SessionsDep) -> None:
    """Remove a destination (by name or id)."""
    KeyReach.of(key).require_every_program("removing a destination")
    with sessions.begin() as session:
        if not alert_rules.remove_destination(session=session, id_or_name=destination):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "destination not found")


@router.get("/v1/alert-rules")
def list_rules(sessions: SessionsDep, program: ReadProgram) -> list[RuleOut]:
    """Alert rules, optionally of one program."""
    with sessions.begin() as session:
        return [RuleOut.of(row) for row in alert_rules.list_rules(session=session, program=program)]


@router.post("/v1/alert-rules", status_code=status.HTTP_201_CREATED)
def add_rule(body: RuleIn, key: AlertsWriter, sessions: SessionsDep, clock: ClockDep) -> RuleOut:
    """Add a rule: the program's alerts it matches go to its destinations."""
    KeyReach.of(key).require_every_program("adding an alert rule")
    try:
        with sessions.begin() as session:
            return RuleOut.of(rules.create_rule(session=session, now=clock.now(), **body.model_dump()))
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


@router.delete("/v1/alert-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_rule(rule_id: str, key: AlertsWriter, sessions: SessionsDep) -> None:
    """Remove a rule."""
    KeyReach.of(key).require_every_program("removing an alert rule")
    with sessions.begin() as session:
        if not alert_rules.remove_rule(session=session, rule_id=rule_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "alert rule not found")
