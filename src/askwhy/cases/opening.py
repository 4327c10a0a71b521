"""Opening a case when a response asks for one: the customer accepted contact, asked for a person
or for help (or reported an order or refund that never came), or a case rule of the program matched.

Called for every response written or closed (`askwhy.tasks.cases`), and again by a sweep, so it is
idempotent: a conversation gets at most one case (the database holds one per conversation and
reason). A help request opens its case at once, while the conversation goes on; accepted contact
and rules wait for the conversation to close, when the answer and the score are final.

A customer who refused contact ("no need to call me", "no hace falta que me llamen", no to the
close-the-loop offer) still gets a case when one is due (a missing order, a rule on the score): the
interviewer told them the team will hear of it, and the team needs to know of a missing order. The
case is marked do-not-contact, and nothing is sent to the customer from it
(`askwhy.cases.to_customer` reads their wish again before every message).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from askwhy.analysis.guide_themes import guide_prefix
from askwhy.cases import notices
from askwhy.cases.notices import CaseNotifier
from askwhy.cases.routing import matching_rules, next_owner, route
from askwhy.cases.to_customer import refused_contact
from askwhy.domain.cases import CaseEventKind, CaseStatus, OpenReason, Priority, Team, due_at, priority_for
from askwhy.domain.conversation import ConversationStatus, InterviewState
from askwhy.domain.program import Program
from askwhy.domain.scales import Band
from askwhy.interview.intents import asks_for_help
from askwhy.interview.missing_orders import reports_missing_order
from askwhy.programs import catalog
from askwhy.store import cases as store
from askwhy.store.case_tables import Case
from askwhy.store.tables import Conversation, Response

CLOSE_THE_LOOP_ANSWER = "close_the_loop"


@dataclass
class CheckReads:
    """What a transaction checking many responses reads once instead of once a response: each
    program (read and validated), and, read ahead in one statement each, the cases of the
    responses' conversations and the themes coded in them. A read-ahead value serves one check
    only; a second check of the same conversation or response reads again."""

    programs: dict[str, Program | None] = field(default_factory=dict)
    alert_segments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cases: dict[str, list[Case]] = field(default_factory=dict)
    themes: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def ahead(cls, *, session: Session, loaded: Sequence[Response | Conversation]) -> CheckReads:
        """Reads for checking the responses among ``loaded`` (`store.load_for_opening`)."""
        responses = [row for row in loaded if isinstance(row, Response)]
        conversations = Counter(row.conversation_id for row in responses if row.conversation_id)
        once = [conversation for conversation, count in conversations.items() if count == 1]
        return cls(
            cases=store.cases_by_conversation(session=session, conversation_ids=once),
            themes=store.theme_ids_by_response(session=session, response_ids=[row.id for row in responses]),
        )

    def program(self, *, session: Session, program_id: str) -> Program | None:
        if program_id not in self.programs:
            self.programs[program_id] = catalog.program(session=session, program_id=program_id)
        return self.programs[program_id]

    def cases_of(self, *, session: Session, conversation_id: str) -> list[Case]:
        if conversation_id in self.cases:
            return self.cases.pop(conversation_id)
        return store.cases_of_conversation(session=session, conversation_id=conversation_id)

    def theme_ids(self, *, session: Session, response_id: str) -> list[str]:
        if response_id in self.themes:
            return self.themes.pop(response_id)
        return store.theme_ids(session=session, response_id=response_id)

    def open_alert_segments(self, *, session: Session, program: Program) -> list[dict[str, Any]]:
        if program.id not in self.alert_segments:
            self.alert_segments[program.id] = _alert_segments(session=session, program=program)
        return self.alert_segments[program.id]


def open_cases(
    *,
    session: Session,
    response_id: str,
    now: datetime,
    notifier: CaseNotifier,
    reads: CheckReads | None = None,
) -> Case | None:
    """Open the response's case if it calls for one and has none yet; the case opened, if any.
    ``reads`` carries what other checks in the same transaction have read."""
    reads = reads if reads is not None else CheckReads()
    response = store.response(session=session, response_id=response_id)
    if response is None or response.conversation_id is None or response.simulated:
        return None
    conversation = store.conversation(session=session, conversation_id=response.conversation_id)
    program = reads.program(session=session, program_id=response.program)
    if conversation is None or program is None or not program.teams:
        return None
    state = InterviewState.from_dict(conversation.state)
    existing = reads.cases_of(session=session, conversation_id=conversation.id)
    if existing:
        _follow_contact_wish(session=session, cases=existing, state=state, now=now)
        return None
    themes = _themes(
        response=response, state=state, coded=reads.theme_ids(session=session, response_id=response.id)
    )
    alerts = reads.open_alert_segments(session=session, program=program)
    reason, rule_priority = _reason(program, response, state, themes, alerts)
    if reason is None:
        return None
    return _open(
        session=session, program=program, response=response, conversation=conversation, state=state,
        reason=reason, themes=themes, alerts=alerts, ruled=rule_priority, now=now, notifier=notifier,
    )  # fmt: skip


def _follow_contact_wish(
    *, session: Session, cases: list[Case], state: InterviewState, now: datetime
) -> None:
    """Keep each case's do-not-contact mark on the customer's latest word in the conversation."""
    refused = refused_contact(state)
    for case in cases:
        if case.do_not_contact != refused:
            case.do_not_contact = refused
            case.updated_at = now
            store.add_event(
                session=session, case_id=case.id, kind=CaseEventKind.CONTACT_WISH, at=now,
                details={"do_not_contact": refused},
            )  # fmt: skip


def _alert_segments(*, session: Session, program: Program) -> list[dict[str, Any]]:
    """The segments of the program's open alerts, read only when a case rule asks for them."""
    if not any(rule.in_open_alert for rule in program.case_rules):
        return []
    return store.open_alert_segments(session=session, program=program.id)


def _reason(
    program: Program,
    response: Response,
    state: InterviewState,
    themes: list[str],
    alerts: list[dict[str, Any]],
) -> tuple[OpenReason | None, Priority | None]:
    """Why this response opens a case, if it does: help first, then accepted contact, then a rule."""
    answered = any(answer.question == CLOSE_THE_LOOP_ANSWER for answer in state.answers)
    if any(
        asks_for_help(answer.text) or reports_missing_order(answer.text)
        for answer in state.answers
        if answer.question != CLOSE_THE_LOOP_ANSWER
    ):
        return OpenReason.HELP_REQUEST, None
    if state.close_the_loop and not answered:
        return OpenReason.HELP_REQUEST, None  # heard before the score, where no answer is kept
    if state.status.is_open:
        return None, None
    if answered and response.close_the_loop:
        return OpenReason.ACCEPTED_CONTACT, None
    if state.status is ConversationStatus.OPTED_OUT:
        return None, None  # a customer who said stop is not called because a rule matched
    for rule in matching_rules(
        program, score=response.score, themes=themes, segment=response.segment, channel=response.channel,
        alert_segments=alerts,
    ):  # fmt: skip
        if rule.opens_case and rule.has_conditions:
            return OpenReason.RULE, rule.priority
    return None, None


def _themes(*, response: Response, state: InterviewState, coded: list[str]) -> list[str]:
    """The guide's themes the interviewer heard, and the codebook's once analysis has coded the
    response (a guide's theme by its key in the guide, others by their codebook id)."""
    prefix = guide_prefix(response.guide_id)
    keys = {theme.removeprefix(prefix) for theme in coded}
    return sorted(set(state.themes_raised) | keys)


def _open(
    *,
    session: Session,
    program: Program,
    response: Response,
    conversation: Conversation,
    state: InterviewState,
    reason: OpenReason,
    themes: list[str],
    alerts: list[dict[str, Any]],
    ruled: Priority | None,
    now: datetime,
    notifier: CaseNotifier,
) -> Case:
    routed = route(
        program, score=response.score, themes=themes, segment=response.segment, channel=response.channel,
        alert_segments=alerts,
    )  # fmt: skip
    assert routed is not None  # the program has teams
    team = routed.team
    priority = priority_for(reason, Band(response.band), ruled or routed.priority)
    owner = next_owner(session=session, program=program.id, team=team)
    first_due, due = _deadlines(program, team, now)
    row = store.add_case(
        session=session,
        row=Case(
            program=program.id, conversation_id=conversation.id, response_id=response.id,
            contact_id=response.contact_id, channel=response.channel, reason=reason.value, themes=themes,
            score=response.score, band=response.band, priority=priority.value, team=team.name, owner=owner,
            status=CaseStatus.OPEN.value, opened_at=now, first_response_due_at=first_due, due_at=due,
            updated_at=now, do_not_contact=refused_contact(state),
        ),
    )  # fmt: skip
    details = {
        "reason": reason.value, "team": team.name, "owner": owner, "priority": priority.value,
        "do_not_contact": row.do_not_contact,
    }  # fmt: skip
    store.add_event(session=session, case_id=row.id, kind=CaseEventKind.OPENED, at=now, details=details)
    store.add_event(
        session=session, case_id=row.id, kind=CaseEventKind.ASSIGNED, at=now,
        details={"team": team.name, "owner": owner, "by": "round-robin"},
    )  # fmt: skip
    notifier.case_event(
        session=session, event=notices.CASE_OPENED, case=row, happened=CaseEventKind.OPENED,
        recipients=(owner,),
    )  # fmt: skip
    return row


def _deadlines(program: Program, team: Team, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The first-response and resolution deadlines in the team's business hours (none without an SLA)."""
    if team.sla is None:
        return None, None
    zone, hours, holidays = program.team_time_zone(team), team.hours, team.holidays
    first = due_at(now, timedelta(hours=team.sla.first_response_hours), hours, zone, holidays)
    resolution = due_at(now, timedelta(hours=team.sla.resolution_hours), hours, zone, holidays)
    return first, resolution
