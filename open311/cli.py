"""`flask open311 …`: API keys, and the forwarding run for a timer."""

from __future__ import annotations

from datetime import UTC, datetime

import click
import httpx
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import get_engine
from kommun.models import Kommun
from open311 import forward
from open311.keys import create_key, revoke_key
from open311.models import ApiKey

open311_cli = AppGroup("open311", help="The Open311 API and forwarding to felanmälan.")


@open311_cli.command("create-key")
@click.argument("name")
@click.option("--kommun", "code", help="Kommunkod: the key may only post there.")
@click.option(
    "--staff", is_flag=True, help="Also read exact places and masked text (needs --kommun)."
)
def create_key_command(name: str, code: str | None, staff: bool) -> None:
    """Issue an API key for the client NAME and print it (it is shown only this once)."""
    if staff and not code:
        raise click.UsageError("--staff needs --kommun.")
    with Session(get_engine()) as session:
        kommun = None
        if code:
            kommun = session.scalar(select(Kommun).where(Kommun.code == code))
            if kommun is None:
                raise click.ClickException(f"No kommun with the code {code}.")
        _record, key = create_key(session, name, kommun=kommun, staff=staff)
        session.commit()
    click.echo(key)


@open311_cli.command("list-keys")
def list_keys_command() -> None:
    """List the keys: prefix, client, kommun, staff, last used, revoked."""
    with Session(get_engine()) as session:
        for key in session.scalars(select(ApiKey).order_by(ApiKey.created_at)):
            kommun = key.kommun.code if key.kommun else "-"
            used = key.last_used_at.isoformat(timespec="minutes") if key.last_used_at else "-"
            state = "revoked" if key.revoked_at else "active"
            staff = "staff" if key.staff else "client"
            click.echo(f"{key.prefix}  {key.name}  {kommun}  {staff}  {used}  {state}")


@open311_cli.command("revoke-key")
@click.argument("prefix")
def revoke_key_command(prefix: str) -> None:
    """Revoke the key that starts with PREFIX (as list-keys shows it)."""
    with Session(get_engine()) as session:
        keys = list(session.scalars(select(ApiKey).where(ApiKey.prefix == prefix[:10])))
        if len(keys) != 1:
            raise click.ClickException(f"{len(keys)} keys start with {prefix}.")
        revoke_key(keys[0])
        session.commit()
    click.echo(f"Revoked {prefix}.")


@open311_cli.command("forward")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds per HTTP call.")
def forward_command(timeout: float) -> None:
    """Send queued reports to felanmälan and read statuses back (run it every minute)."""
    with Session(get_engine()) as session, httpx.Client(timeout=timeout) as client:
        result = forward.run(session, client, datetime.now(UTC))
    click.echo(
        f"queued {result.queued}, sent {result.sent}, retrying {result.retrying}, "
        f"failed {result.failed}, statuses read {result.synced}"
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(open311_cli)
