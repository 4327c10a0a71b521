"""`askwhy cases`: close-the-loop cases from the terminal: list, show, assign, note, reply, status,
resolve."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from askwhy.bootstrap import Container
from askwhy.cases import lifecycle, replies
from askwhy.cases.notices import CaseNotifier
from askwhy.cases.outbox_notices import OutboxNotifier
from askwhy.cases.views import CaseFilter, CaseView, case_list, one_case
from askwhy.cli.context import console, fail, opened
from askwhy.domain.cases import CaseStatus
from askwhy.store.case_tables import Case

app = typer.Typer(
    help="Close-the-loop cases: list, show, assign, note, reply, status, resolve.", no_args_is_help=True
)
CaseId = Annotated[str, typer.Argument(help="Case id (from `askwhy cases list`).")]
By = Annotated[str, typer.Option("--by", help="Who acts (an e-mail), for the case's history.")]
Owner = Annotated[str, typer.Argument(help="The new owner's e-mail.")]
NoteText = Annotated[str, typer.Argument(help="The note (1-5,000 characters).")]
ReplyText = Annotated[
    str,
    typer.Argument(help="The message to the customer (1-2,000 characters), on the conversation's channel."),
]
NewStatus = Annotated[CaseStatus, typer.Argument(help="The new status.")]
T = TypeVar("T")


@app.command("list")
def list_command(
    program: Annotated[str | None, typer.Option(help="Only this program.")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team's cases.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only this owner's cases (e-mail).")] = None,
    status: Annotated[CaseStatus | None, typer.Option(help="Only cases in this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 50,
) -> None:
    """Cases with the nearest deadline first: why they opened, team, owner, status, priority, due."""
    where = CaseFilter(program=program, team=team, owner=owner, status=status.value if status else None)
    with opened() as container, container.reads() as session:
        found = case_list(session=session, where=where, limit=limit)
        table = Table("id", "program", "reason", "priority", "team", "owner", "status", "score", "due")
        for view in found:
            case = view.case
            table.add_row(
                case.id, case.program, case.reason, case.priority, case.team or "", case.owner or "",
                case.status, "" if case.score is None else str(case.score),
                f"{case.due_at:%Y-%m-%d %H:%M}" if case.due_at else "",
            )  # fmt: skip
    console.print(table if found else "no cases")


@app.command("show")
def show_command(case_id: CaseId) -> None:
    """One case: its facts, history and the redacted end of its conversation."""
    with opened() as container:
        region = container.settings.redaction_region
        view = _run(
            container,
            lambda session: one_case(session=session, case_id=case_id, region=region),
            case_id=case_id,
        )
    _print(view)


@app.command("assign")
def assign_command(case_id: CaseId, owner: Owner, by: By) -> None:
    """Give a case to a member or lead of one of its program's teams."""
    _change(case_id, lambda session, now, notifier: lifecycle.assign(
        session=session, case_id=case_id, owner=owner, actor=by, now=now, notifier=notifier
    ))  # fmt: skip


@app.command("note")
def note_command(case_id: CaseId, text: NoteText, by: By) -> None:
    """Add a note to a case's history."""
    _change(case_id, lambda session, now, notifier: lifecycle.add_note(
        session=session, case_id=case_id, text=text, actor=by, now=now, notifier=notifier
    ))  # fmt: skip


@app.command("reply")
def reply_command(case_id: CaseId, text: ReplyText, by: By) -> None:
    """Write to the case's customer on the conversation's channel; the case waits for their answer."""
    _change(case_id, lambda session, now, notifier: replies.reply(
        session=session, case_id=case_id, text=text, actor=by, now=now, notifier=notifier
    ))  # fmt: skip


@app.command("status")
def status_command(case_id: CaseId, status: NewStatus, by: By) -> None:
    """Move a case to another status: in_progress, waiting_customer, resolved or closed."""
    _change(case_id, lambda session, now, notifier: lifecycle.change_status(
        session=session, case_id=case_id, status=status.value, actor=by, now=now, notifier=notifier
    ))  # fmt: skip


@app.command("resolve")
def resolve_command(
    case_id: CaseId, by: By, note: Annotated[str | None, typer.Option(help="What was done.")] = None
) -> None:
    """Resolve a case; the customer's follow-up question is recorded."""
    _change(case_id, lambda session, now, notifier: lifecycle.resolve(
        session=session, case_id=case_id, note=note, actor=by, now=now, notifier=notifier
    ))  # fmt: skip


def _change(case_id: str, action: Callable[[Session, datetime, CaseNotifier], Case]) -> None:
    with opened() as container:
        now = container.clock.now()
        notifier = OutboxNotifier(base_url=container.settings.public_base_url)
        case = _run(container, lambda session: action(session, now, notifier), case_id=case_id)
        console.print(f"case {case_id}: {case.status}, owner {case.owner or 'none'}")


def _run(container: Container, action: Callable[[Session], T], *, case_id: str) -> T:
    try:
        with container.sessions.begin() as session:
            return action(session)
    except lifecycle.CaseNotFound:
        raise fail(f"no case {case_id!r} (see `askwhy cases list`)") from None
    except (lifecycle.InvalidTransition, lifecycle.CaseInputError, replies.ReplyRefused) as exc:
        raise fail(str(exc)) from None


def _print(view: CaseView) -> None:
    case = view.case
    refused = " · [red]do not contact[/]" if case.do_not_contact else ""
    console.print(f"[bold]case {case.id}[/] {case.status} · {case.priority} · {case.reason}{refused}")
    console.print(f"program {case.program} · team {case.team or '-'} · owner {case.owner or '-'}")
    console.print(f"score {case.score} ({case.band}) · themes {', '.join(case.themes) or '-'}")
    console.print(f"opened {case.opened_at:%Y-%m-%d %H:%M} · due {case.due_at or '-'}")
    if case.follow_up_score is not None:
        console.print(
            f"follow-up score {case.follow_up_score} · recovered {'yes' if view.recovered else 'no'}"
        )
    for entry in view.history:
        console.print(
            f"  {entry.at:%Y-%m-%d %H:%M} {entry.kind} {entry.actor or 'askwhy'} {entry.note or ''}"
        )
    for turn in view.excerpt:
        console.print(f"  [dim]{turn.speaker}:[/] {turn.text}", markup=True, highlight=False)
