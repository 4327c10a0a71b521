"""`askwhy webhooks`: outbound event subscriptions, each signed with a secret of its own."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from askwhy.alerts import subscriptions
from askwhy.alerts.destinations import Status
from askwhy.cli.context import console, fail, opened
from askwhy.store import subscriptions as stored
from askwhy.store.outbound_events import EVENTS

app = typer.Typer(
    help="Outbound webhooks: add (secret shown once), list, remove, test.", no_args_is_help=True
)


@app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Where to POST the events.")],
    event: Annotated[list[str], typer.Option(help=f"Repeatable. One of: {', '.join(EVENTS)}.")],
    program: Annotated[str | None, typer.Option(help="Only this program's events; default all.")] = None,
) -> None:
    """Subscribe a URL to events; prints its whsec_ signing secret once."""
    with opened() as container, container.sessions.begin() as session:
        try:
            row, secret = subscriptions.subscribe(
                session=session, url=url, events=event, program=program, now=container.clock.now()
            )
        except ValueError as exc:
            raise fail(str(exc)) from None
        console.print(
            f"added subscription [bold]{row.id}[/]. Its signing secret (store it now; not shown again):"
        )
        console.print(secret, highlight=False, soft_wrap=True)


@app.command("list")
def list_subscriptions() -> None:
    """Subscriptions: id, URL, events, program."""
    with opened() as container, container.reads.begin() as session:
        table = Table("id", "url", "events", "program", "created")
        for row in stored.list_subscriptions(session=session):
            table.add_row(
                row.id, row.url, " ".join(row.events), row.program or "all", f"{row.created_at:%Y-%m-%d}"
            )
        console.print(table)


@app.command("remove")
def remove(subscription_id: Annotated[str, typer.Argument(help="The subscription's id.")]) -> None:
    """Remove a subscription; its pending deliveries are dead-lettered when next tried."""
    with opened() as container, container.sessions.begin() as session:
        if not stored.remove_subscription(session=session, subscription_id=subscription_id):
            raise fail(f"no webhook subscription {subscription_id!r}")
        console.print(f"removed {subscription_id}")


@app.command("test")
def test(subscription_id: Annotated[str, typer.Argument(help="The subscription's id.")]) -> None:
    """Send a signed test event now and say how it went."""
    with opened() as container:
        with container.reads.begin() as session:
            row = stored.subscription(session=session, subscription_id=subscription_id)
            if row is None:
                raise fail(f"no webhook subscription {subscription_id!r}")
            session.expunge(row)
        outcome = subscriptions.test_delivery(
            row, timeout_seconds=container.settings.notification_timeout_seconds
        )
    if outcome.status is not Status.DELIVERED:
        raise fail(f"{subscription_id}: {outcome.status.value}: {outcome.reason}", code=1)
    console.print(f"{subscription_id}: delivered")
