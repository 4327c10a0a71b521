"""A case's people told through the alerts' destinations (Slack, Teams, e-mail, signed webhooks).

A team lists in its program the destinations that hear of its cases (``notify``, by the names
`askwhy destinations add` stores) and may have each person e-mailed too (``email_people``). A new
or reassigned case tells its owner, an escalation tells the lead and the owner, a customer's answer
tells the owner. Each notice is one notification per destination in the notification outbox,
written in the transaction that changes the case, so a rollback tells no one and the outbox's
worker delivers, retries and dead-letters it like an alert. The message carries the case's facts
and a link to its page in the workspace, never the customer's words or contact details.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from askwhy.alerts.destinations import RENDERERS, Message
from askwhy.domain.cases import CaseEventKind, Team
from askwhy.programs import catalog
from askwhy.store import alert_rules, notifications
from askwhy.store.case_tables import Case
from askwhy.store.notification_tables import Destination

log = logging.getLogger(__name__)

PERSON_PREFIX = "person:"
"""The name of the e-mail destination askwhy keeps for one person (``person:<e-mail>``)."""


def notify_team(
    *,
    session: Session,
    case: Case,
    happened: CaseEventKind,
    recipients: tuple[str, ...],
    data: dict[str, Any],
    base_url: str,
) -> list[str]:
    """One notification per destination of the case's team telling ``recipients`` what happened;
    the notifications' ids (none when nobody is to be told or the team has no destination)."""
    if not recipients:
        return []  # notes, replies and status changes: whoever made them knows
    program = catalog.program(session=session, program_id=case.program)
    team = program.team(case.team) if program is not None and case.team else None
    if program is None or team is None:
        return []
    destinations = _named(session=session, team=team)
    if team.email_people:
        destinations += [_person(session=session, email=email, now=case.updated_at) for email in recipients]
    message = case_message(
        case, happened=happened, recipients=recipients, time_zone=program.team_time_zone(team),
        link=case_link(case, base_url=base_url), data=data,
    )  # fmt: skip
    created = []
    for destination in destinations:
        row = notifications.add_notification(
            session=session,
            key=f"case.{happened.value}:{case.id}:{case.updated_at.isoformat()}:{destination.id}",
            destination_kind=destination.kind,
            destination_id=destination.id,
            event=message.event,
            payload=RENDERERS[destination.kind](message),
            now=case.updated_at,
        )
        if row is not None:
            created.append(row.id)
    return created


def case_link(case: Case, *, base_url: str) -> str:
    """The case's page in the workspace."""
    return f"{base_url.rstrip('/')}/programs/{quote(case.program, safe='')}/cases/{quote(case.id, safe='')}"


TITLES = {
    CaseEventKind.OPENED: "New case for {owner}: {reason}",
    CaseEventKind.ASSIGNED: "Case assigned to {owner}: {reason}",
    CaseEventKind.ESCALATED: "Overdue case escalated to {lead}: {reason}",
    CaseEventKind.CUSTOMER_REPLIED: "The customer answered on a case of {owner}",
}
SUMMARIES = {
    CaseEventKind.OPENED: "A {priority}-priority case of {program} for team {team}; "
    "first response due {first_due}.",
    CaseEventKind.ASSIGNED: "The case is now {owner}'s, in team {team}; resolution due {due}.",
    CaseEventKind.ESCALATED: "It passed its resolution deadline ({due}) unresolved; "
    "it is {owner}'s, in team {team}.",
    CaseEventKind.CUSTOMER_REPLIED: "Their message is in the conversation; the case is {status}.",
}


def case_message(
    case: Case,
    *,
    happened: CaseEventKind,
    recipients: tuple[str, ...],
    time_zone: str,
    link: str,
    data: dict[str, Any],
) -> Message:
    """What the people hear, in the alerts' message shape: title, one sentence, facts, the link."""
    words = {
        "owner": case.owner or "nobody yet", "lead": recipients[0] if recipients else "the lead",
        "reason": case.reason.replace("_", " "), "priority": case.priority, "program": case.program,
        "team": case.team or "none", "status": case.status.replace("_", " "),
        "first_due": _local(case.first_response_due_at, time_zone), "due": _local(case.due_at, time_zone),
    }  # fmt: skip
    title = TITLES.get(happened, "Case updated for {owner}").format(**words)
    summary = SUMMARIES.get(happened, "The case is {status}.").format(**words)
    facts = [
        ("Program", case.program), ("Team", case.team or "none"), ("Owner", words["owner"]),
        ("Priority", case.priority), ("Reason", words["reason"]), ("Status", words["status"]),
        ("Due", words["due"]),
    ]  # fmt: skip
    if case.do_not_contact:
        facts.append(("Contact", "do not contact: the customer refused contact"))
    if case.score is not None:
        facts.append(("Score", f"{case.score} ({case.band})"))
    if case.themes:
        facts.append(("Themes", ", ".join(case.themes)))
    event = "case.opened" if happened is CaseEventKind.OPENED else "case.updated"
    body = {"case": data, "happened": happened.value, "for": list(recipients), "link": link}
    return Message(event=event, title=title, summary=summary, link=link, facts=tuple(facts), data=body)


def _local(at: datetime | None, time_zone: str) -> str:
    if at is None:
        return "none (no SLA)"
    return f"{at.astimezone(ZoneInfo(time_zone)):%a %d %b %H:%M} ({time_zone})"


def _named(*, session: Session, team: Team) -> list[Destination]:
    """The team's destinations, each once; a name not stored is logged and skipped."""
    names = list(dict.fromkeys(team.notify))
    found = alert_rules.destinations_named(session=session, names=names)
    for missing in [name for name in names if name not in found]:
        log.warning("team %s: notify names destination %r, which does not exist", team.name, missing)
    return [found[name] for name in names if name in found]


def _person(*, session: Session, email: str, now: datetime) -> Destination:
    """The e-mail destination for one person, stored the first time someone is to be told."""
    name = f"{PERSON_PREFIX}{email}"
    if len(name) > 100:
        name = PERSON_PREFIX + hashlib.sha256(email.encode()).hexdigest()[:32]
    found = alert_rules.destination(session=session, id_or_name=name)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            return alert_rules.add_destination(
                session=session, name=name, kind="email", target=email, secret=None, now=now
            )
    except IntegrityError:  # another worker stored it first
        stored = alert_rules.destination(session=session, id_or_name=name)
        assert stored is not None
        return stored
