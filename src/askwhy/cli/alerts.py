"""`askwhy alerts`: emerging-issue alerts from the terminal: list, show, ack, snooze, resolve, run."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from askwhy.alerts import lifecycle, probes
from askwhy.bootstrap import Container
from askwhy.cli.context import console, fail, opened
from askwhy.domain.alerts import Alert, AlertState
from askwhy.tasks.alerts import run_detection, run_discovery

app = typer.Typer(
    help="Emerging-issue alerts: list, show, acknowledge, snooze, resolve, run.", no_args_is_help=True
)
AlertId = Annotated[str, typer.Argument(help="Alert id (from `askwhy alerts list`).")]
By = Annotated[str, typer.Option("--by", help="Who acts, for the record.")]
DURATION = re.compile(r"(\d+)\s*([mhd])")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}
T = TypeVar("T")


@app.command("list")
def list_command(
    program: Annotated[str | None, typer.Option(help="Only this program.")] = None,
    state: Annotated[AlertState | None, typer.Option(help="Only alerts in this state.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first.")] = 50,
) -> None:
    """Alerts newest first, with their state, severity and what moved."""
    with opened() as container, container.reads() as session:
        found = lifecycle.list_alerts(
            session=session, now=container.clock.now(), program=program, state=state, limit=limit
        )
    table = Table("opened", "program", "kind", "label", "severity", "state", "what moved")
    table.add_column("id", no_wrap=True)  # whole, so that it can be copied into `askwhy alerts show`
    for alert in found:
        table.add_row(
            f"{alert.opened_at:%Y-%m-%d %H:%M}" if alert.opened_at else "",
            alert.program,
            alert.kind.value,
            alert.label,
            alert.severity.value,
            alert.state.value,
            alert.evidence.what if alert.evidence else "",
            alert.id,
        )
    console.print(table if found else "no alerts")


@app.command("show")
def show_command(alert_id: AlertId) -> None:
    """One alert with its evidence: the move and its interval, the test, segments and quotes, and
    customers' answers to the question it asked them."""
    with opened() as container:
        alert = _run(
            container, lambda s: lifecycle.get_alert(session=s, alert_id=alert_id, now=container.clock.now())
        )
        answers = _run(container, lambda s: probes.answers_to(session=s, alert_id=alert_id, latest=5))
    _print(alert)
    _print_answers(answers)


@app.command("ack")
def ack_command(alert_id: AlertId, by: By = "cli") -> None:
    """Acknowledge: someone owns it, and the same episode does not alert again."""
    with opened() as container:
        alert = _run(
            container,
            lambda s: lifecycle.acknowledge(session=s, alert_id=alert_id, by=by, now=container.clock.now()),
        )
    console.print(f"alert {alert.id} acknowledged")


@app.command("snooze")
def snooze_command(
    alert_id: AlertId,
    until: Annotated[str, typer.Option(help="An ISO 8601 time with its zone, or a duration: 30m, 4h, 2d.")],
    by: By = "cli",
) -> None:
    """Quiet until a time; then the alert is open again, and alerts again if still alarming."""
    with opened() as container:
        now = container.clock.now()
        end = _until(until, now)
        try:
            alert = _run(
                container, lambda s: lifecycle.snooze(session=s, alert_id=alert_id, until=end, by=by, now=now)
            )
        except lifecycle.BadSnooze as exc:
            raise fail(f"--until: {exc}") from None
    console.print(f"alert {alert.id} snoozed until {end.isoformat(timespec='minutes')}")


@app.command("resolve")
def resolve_command(
    alert_id: AlertId, by: By = "cli", note: Annotated[str, typer.Option(help="Why, for the record.")] = ""
) -> None:
    """Resolve: the episode is over; the next alarm of the same subject opens a new alert."""
    with opened() as container:
        alert = _run(
            container,
            lambda s: lifecycle.resolve(
                session=s, alert_id=alert_id, by=by, now=container.clock.now(), note=note
            ),
        )
    console.print(f"alert {alert.id} resolved")


@app.command("run")
def run_command(
    discover: Annotated[
        bool,
        typer.Option("--discover", help="Also discover new themes, if the unassigned pool has grown enough."),
    ] = False,
) -> None:
    """Run detection now (workers run it after every analysis batch and every minute)."""
    with opened() as container:
        proposed = run_discovery(container) if discover else 0
        found = run_detection(container)
    if discover:
        console.print(f"{proposed} themes proposed")
    console.print(f"{len(found)} alerts opened")
    for alert in found:
        console.print(
            f"  {alert.id}  {alert.kind.value}  {alert.evidence.what if alert.evidence else alert.label}"
        )


def _run(container: Container, action: Callable[[Session], T]) -> T:
    try:
        with container.sessions.begin() as session:
            return action(session)
    except lifecycle.AlertNotFound as exc:
        raise fail(f"no alert {exc} (see `askwhy alerts list`)") from None
    except lifecycle.AlertClosed as exc:
        raise fail(str(exc)) from None


def _until(text: str, now: datetime) -> datetime:
    """An ISO time (with zone; UTC if none is given) or a duration from now."""
    if match := DURATION.fullmatch(text.strip()):
        return now + timedelta(**{UNITS[match[2]]: int(match[1])})
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise fail(f"--until: {text!r} is neither an ISO 8601 time nor a duration such as 4h") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _print(alert: Alert) -> None:
    console.print(f"[bold]{alert.label}[/] ({alert.kind.value}, {alert.severity.value}, {alert.state.value})")
    console.print(
        f"program {alert.program}; opened {alert.opened_at:%Y-%m-%d %H:%M} UTC" if alert.opened_at else ""
    )
    evidence = alert.evidence
    if evidence is None:
        return
    console.print(evidence.what, highlight=False)
    high = "" if evidence.high is None else f" to {evidence.high:.3g}"
    console.print(f"interval from {evidence.low:.3g}{high}; since {evidence.since:%Y-%m-%d}")
    console.print(f"n={evidence.n}, baseline n={evidence.baseline_n}; {evidence.test}", highlight=False)
    for segment in evidence.segments:
        console.print(
            f"  {segment.name}={segment.value}: {segment.compared()} (n={segment.n})",
            highlight=False,
        )
    for quote in evidence.quotes:
        console.print(f"  “{quote.text}”", highlight=False)


def _print_answers(answers: probes.ProbeAnswers) -> None:
    if not answers.count:
        return
    console.print(f"asked customers: {answers.count} answered, {answers.affected} said it affected them")
    for answer in answers.latest:
        console.print(
            f"  “{answer.text}” ({answer.language}, {answer.answered_at:%Y-%m-%d %H:%M})", highlight=False
        )
