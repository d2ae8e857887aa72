"""`flask accounts`: the first admin, and what no web admin may do.

The shell manages every account: users without a kommun, and admins whose kommuner no other
admin covers (see accounts.services.may_manage).
"""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app, url_for
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.forms import PASSWORD_MIN
from accounts.models import User, user_by_email
from accounts.services import (
    AccountError,
    create_user,
    invitation_token,
    reset_password,
    set_active,
)
from db import get_engine
from kommun.models import Kommun


@click.group("accounts", cls=AppGroup)
def accounts_cli() -> None:
    """Manage staff accounts."""


@accounts_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="The admin's name (default: the e-mail).")
@click.option("--kommun", "codes", multiple=True, help="Kommunkod (repeatable); default: all.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_admin_command(
    email: str, name: str, codes: tuple[str, ...], password_stdin: bool
) -> None:
    """Create an admin account with a password, for the kommuner given (or all loaded)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < PASSWORD_MIN:
        raise click.ClickException(f"The password must be at least {PASSWORD_MIN} characters.")
    with Session(get_engine(), expire_on_commit=False) as session:
        query = select(Kommun).order_by(Kommun.code)
        if codes:
            wanted = {c.zfill(4) for c in codes}
            query = query.where(Kommun.code.in_(wanted))
        kommuner = list(session.scalars(query))
        if codes and len(kommuner) != len(wanted):
            missing = sorted(wanted - {k.code for k in kommuner})
            raise click.ClickException(f"No kommun with code {', '.join(missing)}.")
        if not kommuner:
            raise click.ClickException("No kommuner loaded; run `flask kommun load` first.")
        try:
            user = create_user(
                session,
                email=email,
                name=name or email,
                role="admin",
                kommuner=kommuner,
                password=password,
            )
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
        names = ", ".join(k.name for k in user.kommuner)
    click.echo(f"Created admin {user.email} for {names}.")


def _user(session: Session, email: str) -> User:
    user = user_by_email(session, email)
    if user is None:
        raise click.ClickException(f"No account with e-mail {email}.")
    return user


@accounts_cli.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account; its sessions end at once."""
    with Session(get_engine(), expire_on_commit=False) as session:
        set_active(session, _user(session, email), False, None)
        session.commit()
    click.echo(f"Disabled {email}.")


@accounts_cli.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Enable a disabled account again."""
    with Session(get_engine(), expire_on_commit=False) as session:
        set_active(session, _user(session, email), True, None)
        session.commit()
    click.echo(f"Enabled {email}.")


@accounts_cli.command("new-link")
@click.argument("email")
@click.option("--base-url", default="http://localhost", help="The site's address.")
def new_link_command(email: str, base_url: str) -> None:
    """Remove the password and print the link where its owner chooses a new one."""
    with Session(get_engine(), expire_on_commit=False) as session:
        user = _user(session, email)
        if not user.active:
            raise click.ClickException(f"{email} is disabled; enable it first.")
        reset_password(session, user, None)
        session.commit()
        with current_app.test_request_context(base_url=base_url):
            link = url_for("accounts.accept", token=invitation_token(user), _external=True)
    click.echo(link)


def init_app(app: Flask) -> None:
    app.cli.add_command(accounts_cli)
