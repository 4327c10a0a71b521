"""`askwhy notifications` and `askwhy destinations`: where alerts go, and what became of each."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from askwhy.alerts import sending
from askwhy.alerts.destinations import KINDS, Status, stored, transport
from askwhy.cli.context import console, fail, opened
from askwhy.store import alert_rules, notifications

app = typer.Typer(
    help="Alert notifications: list, retry dead ones, test a destination.", no_args_is_help=True
)
destinations_app = typer.Typer(
    help="Alert destinations: Slack, Teams, e-mail, signed webhooks.", no_args_is_help=True
)


@app.command("list")
def list_notifications(
    status: Annotated[str | None, typer.Option(help="pending, delivered or dead.")] = None,
    alert: Annotated[str | None, typer.Option(help="Only this alert's notifications.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """The newest notifications: event, destination, status, attempts and the last error."""
    with opened() as container, container.reads.begin() as session:
        table = Table("id", "event", "to", "status", "attempts", "created", "last error")
        for row in notifications.list_notifications(
            session=session, status=status, alert_id=alert, limit=limit
        ):
            table.add_row(
                row.id, row.event, row.destination_kind, row.status, str(row.attempts),
                f"{row.created_at:%Y-%m-%d %H:%M}", row.last_error[:80],
            )  # fmt: skip
        console.print(table)


@app.command("retry")
def retry(
    notification_id: Annotated[
        str | None, typer.Argument(help="A dead notification's id; omit for all.")
    ] = None,
) -> None:
    """Give dead notifications fresh attempts and try them now."""
    with opened() as container:
        with container.sessions.begin() as session:
            ids = notifications.revive(
                session=session, now=container.clock.now(), notification_id=notification_id
            )
        if not ids:
            raise fail(
                f"no dead notification {notification_id!r}" if notification_id else "no dead notifications"
            )
        ports = sending.Notifying(
            sessions=container.sessions, clock=container.clock, settings=container.settings
        )
        for revived in ids:
            console.print(f"{revived}: {sending.deliver(ports=ports, notification_id=revived)}")


@app.command("test")
def test(destination: Annotated[str, typer.Argument(help="The destination's name or id.")]) -> None:
    """Send a test message to a destination now and say how it went."""
    with opened() as container:
        with container.reads.begin() as session:
            row = alert_rules.destination(session=session, id_or_name=destination)
            if row is None:
                raise fail(f"no destination {destination!r}; see `askwhy destinations list`")
            kind, target, secret = row.kind, row.target, row.secret
        try:
            outcome = transport(kind=kind, target=target, secret=secret, settings=container.settings).test()
        except LookupError as exc:
            raise fail(str(exc)) from None
    if outcome.status is not Status.DELIVERED:
        raise fail(f"{destination}: {outcome.status.value}: {outcome.reason}", code=1)
    console.print(f"{destination}: delivered")


@destinations_app.command("add")
def add_destination(
    name: Annotated[str, typer.Argument(help="A name rules refer to, e.g. 'cx-slack'.")],
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(KINDS)}.")],
    target: Annotated[
        str, typer.Option(help="Webhook URL or e-mail address; env:NAME reads it at delivery.")
    ],
    secret: Annotated[
        str | None, typer.Option(help="A webhook's whsec_ secret or env:NAME; generated if omitted.")
    ] = None,
) -> None:
    """Add a destination; a generated webhook secret is printed once."""
    with opened() as container, container.sessions.begin() as session:
        try:
            row, generated = stored.add(
                session=session, name=name, kind=kind, target=target, secret=secret, now=container.clock.now()
            )
        except ValueError as exc:
            raise fail(str(exc)) from None
        console.print(f"added destination [bold]{row.name}[/] ({row.kind})")
        if generated:
            console.print("its signing secret (store it now; it is not shown again):")
            console.print(generated, highlight=False, soft_wrap=True)


@destinations_app.command("list")
def list_destinations() -> None:
    """Destinations: name, kind and target (a URL shows its host only)."""
    with opened() as container, container.reads.begin() as session:
        table = Table("id", "name", "kind", "target")
        for row in alert_rules.list_destinations(session=session):
            table.add_row(row.id, row.name, row.kind, stored.masked_target(row.target))
        console.print(table)


@destinations_app.command("remove")
def remove_destination(destination: Annotated[str, typer.Argument(help="Its name or id.")]) -> None:
    """Remove a destination; rules naming it skip it from now on."""
    with opened() as container, container.sessions.begin() as session:
        if not alert_rules.remove_destination(session=session, id_or_name=destination):
            raise fail(f"no destination {destination!r}")
        console.print(f"removed {destination}")
