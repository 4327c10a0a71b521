"""The invitation funnel per segment: who a program invited, reached and heard, and who it did not."""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

from fastapi import APIRouter, HTTPException, Query, params, status
from fastapi.exceptions import RequestValidationError

from askwhy.insights.invitation_funnel import NoInvitations, segment_funnel
from askwhy.report.funnel_results import SegmentFunnelsResult
from askwhy.service.auth import READ
from askwhy.service.dependencies import SessionsDep
from askwhy.service.key_programs import ReaderReach

router = APIRouter(prefix="/v1", tags=["insights"], dependencies=[cast(params.Depends, READ)])
"""The funnel counts customers by segment: the same ``read`` scope as the other insights."""


@router.get("/funnel")
def get_funnel(  # noqa: PLR0917 (FastAPI maps query parameters)
    sessions: SessionsDep,
    reach: ReaderReach,
    program: Annotated[str, Query(min_length=1, max_length=100, description="The program.")],
    since: Annotated[date | None, Query(description="Invitations on or after this day (ISO date).")] = None,
    until: Annotated[date | None, Query(description="Invitations before this day (ISO date).")] = None,
    include_simulated: Annotated[
        bool, Query(description="Count simulated conversations (demo data, askwhy simulate) too.")
    ] = False,
) -> SegmentFunnelsResult:
    """Invited, delivered, started, completed, abandoned and opted out, overall and per channel,
    language, moment and event attribute, with rates, their intervals and the under-heard segments."""
    if since and until and since >= until:
        raise RequestValidationError(
            [{"loc": ("query", "until"), "msg": "until must be after since", "type": "value_error"}]
        )
    reach.require(program, not_found="no such program")
    try:
        with sessions() as session:
            found = segment_funnel(
                session=session,
                program=program,
                since=since,
                until=until,
                include_simulated=include_simulated,
            )
    except NoInvitations as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return SegmentFunnelsResult.of(found)
