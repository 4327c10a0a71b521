"""The events API: moments in, contact decisions out, and the decisions behind every invitation."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, status
from fastapi.responses import JSONResponse

from askwhy.outreach import event_intake
from askwhy.outreach.invitations import RecordedMoment
from askwhy.service.auth import EventsWriter
from askwhy.service.dependencies import ClockDep, ContainerDep, SessionsDep
from askwhy.service.event_schemas import (
    DecisionOut,
    DecisionsOut,
    EventBatchIn,
    EventBatchOut,
    EventIn,
    EventOut,
    jsonable,
)
from askwhy.service.key_programs import KeyReach, ReaderReach
from askwhy.store import idempotency
from askwhy.store.api_tables import ApiKey

router = APIRouter(tags=["events"])
IdempotencyKey = Annotated[
    str | None, Header(max_length=200, description="Retries with the same key get the first response.")
]


@router.post("/v1/events", status_code=status.HTTP_201_CREATED, response_model=EventOut)
def post_event(
    *,
    body: EventIn,
    key: EventsWriter,
    sessions: SessionsDep,
    container: ContainerDep,
    clock: ClockDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record one moment; the response lists each program's decision (invited, deferred, skipped)."""
    return _take(
        body=body, events=[body], key=key, idempotency_key=idempotency_key, endpoint="POST /v1/events",
        sessions=sessions, container=container, clock=clock, single=True,
    )  # fmt: skip


@router.post("/v1/events:batch", status_code=status.HTTP_201_CREATED, response_model=EventBatchOut)
def post_events(
    *,
    body: EventBatchIn,
    key: EventsWriter,
    sessions: SessionsDep,
    container: ContainerDep,
    clock: ClockDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record up to ``ASKWHY_EVENTS_BATCH_MAX`` moments, all or none (one transaction)."""
    limit = container.settings.events_batch_max
    if len(body.events) > limit:
        errors = [{"field": "events", "message": f"at most {limit} events per request"}]
        return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)
    return _take(
        body=body, events=body.events, key=key, idempotency_key=idempotency_key,
        endpoint="POST /v1/events:batch", sessions=sessions, container=container, clock=clock, single=False,
    )  # fmt: skip


def _take(
    *,
    body: EventIn | EventBatchIn,
    events: list[EventIn],
    key: ApiKey,
    idempotency_key: str | None,
    endpoint: str,
    sessions: SessionsDep,
    container: ContainerDep,
    clock: ClockDep,
    single: bool,
) -> JSONResponse:
    def render(recorded: list[RecordedMoment]) -> dict[str, object]:
        if single:
            return jsonable(EventOut.of(recorded[0]))
        return jsonable(EventBatchOut(events=[EventOut.of(r) for r in recorded]))

    try:
        with sessions.begin() as session:
            outcome = event_intake.take_events(
                session=session, guides=container.guides, senders=container.senders.keys(),
                moments=[event.moment_of() for event in events], render=render, now=clock.now(),
                api_key_id=key.id, idempotency_key=idempotency_key, request=jsonable(body), endpoint=endpoint,
                ttl=timedelta(hours=container.settings.idempotency_ttl_hours),
                only_programs=KeyReach.of(key).only,
            )  # fmt: skip
    except idempotency.IdempotencyConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)


@router.get("/v1/events/{event_id}")
def show_event(event_id: str, reach: ReaderReach, sessions: SessionsDep) -> EventOut:
    """A moment event with every program's decision and its reason (a key limited to some programs:
    their decisions, and 404 for an event none of them decided on)."""
    with sessions.begin() as session:
        recorded = event_intake.event_with_decisions(session=session, event_id=event_id)
        if recorded is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "event not found")
        shown = EventOut.of(recorded)
    shown.decisions = [decision for decision in shown.decisions if reach.allows(decision.program)]
    if reach.only is not None and not shown.decisions:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "event not found")
    return shown


@router.get("/v1/decisions")
def list_decisions(
    reach: ReaderReach,
    sessions: SessionsDep,
    customer: Annotated[str, Query(min_length=1, max_length=200, description="Your id for the customer.")],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DecisionsOut:
    """A customer's contact decisions, newest first, each with its reason (a key limited to some
    programs: their decisions)."""
    with sessions.begin() as session:
        rows = event_intake.customer_decisions(session=session, customer_id=customer, limit=limit)
        return DecisionsOut(decisions=[DecisionOut.of(row) for row in rows if reach.allows(row.program)])
