"""`askwhy users`: the team's workspace accounts."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from askwhy.bootstrap import Container
from askwhy.cli.context import console, fail, opened
from askwhy.domain.people import Role
from askwhy.people import accounts, single_sign_on
from askwhy.people.passwords import WeakPassword

app = typer.Typer(
    help="Workspace accounts: create, list, disable, reset a password, release from single sign-on.",
    no_args_is_help=True,
)
ROLES = ", ".join(role.value for role in Role)


@app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="The person's e-mail address: their sign-in name.")],
    name: Annotated[str, typer.Option(help="Their name as the workspace shows it.")] = "",
    role: Annotated[str | None, typer.Option(help=f"Role in every program: {ROLES}.")] = None,
    program: Annotated[
        list[str] | None, typer.Option(help="Repeatable PROGRAM=ROLE: a role in one program only.")
    ] = None,
    link: Annotated[
        bool, typer.Option(help="Print a one-time sign-in link instead of asking a password.")
    ] = False,
) -> None:
    """Create an account, with a password typed now or a one-time sign-in link."""
    global_role = _role(role) if role else None
    programs = dict(_program_role(item) for item in program or [])
    if global_role is None and not programs:
        raise fail(f"give a --role ({ROLES}) or at least one --program PROGRAM=ROLE")
    password = None if link else typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with opened() as container, container.sessions.begin() as session:
        now = container.clock.now()
        try:
            person = accounts.create_person(
                session=session, email=email, name=name, role=global_role, program_roles=programs,
                password=password, now=now,
            )  # fmt: skip
            secret = _link(container, session, person.email) if link else None
        except (accounts.AccountError, WeakPassword) as exc:
            raise fail(str(exc)) from None
    console.print(f"created {person.email}")
    if secret:
        _print_link(container.settings.public_base_url, secret, container.settings.sign_in_link_minutes)


@app.command("list")
def list_people() -> None:
    """List accounts: e-mail, name, role, when created, last sign-in, disabled."""
    with opened() as container, container.sessions.begin() as session:
        table = Table("e-mail", "name", "role", "created", "last sign-in", "disabled")
        for person in accounts.list_people(session=session):
            table.add_row(
                person.email, person.name, person.role or "per program",
                f"{person.created_at:%Y-%m-%d %H:%M}",
                f"{person.last_sign_in_at:%Y-%m-%d %H:%M}" if person.last_sign_in_at else "",
                f"{person.disabled_at:%Y-%m-%d %H:%M}" if person.disabled_at else "",
            )  # fmt: skip
        console.print(table)


@app.command("disable")
def disable(email: Annotated[str, typer.Argument(help="The account's e-mail address.")]) -> None:
    """Disable an account: its sessions end at once and it can no longer sign in."""
    with opened() as container, container.sessions.begin() as session:
        try:
            accounts.disable(session=session, email=email, now=container.clock.now())
        except accounts.AccountError as exc:
            raise fail(str(exc)) from None
    console.print(f"disabled {email}")


@app.command("unlink-sso")
def unlink_sso(email: Annotated[str, typer.Argument(help="The account's e-mail address.")]) -> None:
    """Release an account from the single sign-on identity it is linked to (its address has changed
    hands at the provider): the next person to sign in with the address gets it; its sessions end."""
    with opened() as container, container.sessions.begin() as session:
        try:
            removed = single_sign_on.unlink(session=session, email=email, now=container.clock.now())
        except accounts.AccountError as exc:
            raise fail(str(exc)) from None
    console.print(f"unlinked {removed} single sign-on identit{'y' if removed == 1 else 'ies'} from {email}")


@app.command("reset-password")
def reset_password(
    email: Annotated[str, typer.Argument(help="The account's e-mail address.")],
    link: Annotated[
        bool, typer.Option(help="Print a one-time sign-in link instead of asking a password.")
    ] = False,
) -> None:
    """Set a new password (every session of the account ends), or print a one-time sign-in link."""
    password = None if link else typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    with opened() as container, container.sessions.begin() as session:
        try:
            if password is not None:
                accounts.set_password(
                    session=session, email=email, password=password, now=container.clock.now()
                )
                secret = None
            else:
                secret = _link(container, session, email)
        except (accounts.AccountError, WeakPassword) as exc:
            raise fail(str(exc)) from None
    if secret:
        _print_link(container.settings.public_base_url, secret, container.settings.sign_in_link_minutes)
    else:
        console.print(f"password set for {email}; its sessions have ended")


def _link(container: Container, session: Session, email: str) -> str:
    valid = timedelta(minutes=container.settings.sign_in_link_minutes)
    return accounts.issue_sign_in_link(session=session, email=email, now=container.clock.now(), valid=valid)


def _print_link(base_url: str, secret: str, minutes: int) -> None:
    console.print(f"one-time sign-in link (valid {minutes} minutes, works once):")
    console.print(f"{base_url.rstrip('/')}/sign-in/link/{secret}", highlight=False, soft_wrap=True)


def _role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise fail(f"unknown role {value!r}; choose from {ROLES}") from None


def _program_role(item: str) -> tuple[str, Role]:
    program, sep, role = item.partition("=")
    if not sep or not program.strip():
        raise fail(f"--program takes PROGRAM=ROLE, not {item!r}")
    return program.strip(), _role(role)
