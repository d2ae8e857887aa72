"""Online backups of the embedded SQLite database, and a tested restore.

SQLite's backup API copies a consistent snapshot while the app keeps serving (WAL mode);
PostgreSQL has pg_dump for that (see the README), so these commands refuse other databases.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.engine import Engine

from db import get_engine

backup_cli = AppGroup("backup", help="Back up and restore the SQLite database.")


class BackupError(click.ClickException):
    pass


def _sqlite_path(engine: Engine) -> Path:
    if engine.url.get_backend_name() != "sqlite" or not engine.url.database:
        raise BackupError(
            "Only the embedded SQLite database is backed up here; for PostgreSQL use "
            "pg_dump -Fc (see the README)."
        )
    return Path(engine.url.database)


def backup(engine: Engine, target: Path) -> int:
    """Copy a consistent snapshot of the live database to `target`; returns its page count."""
    source = _sqlite_path(engine)
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
    _check(target)
    return pages


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's contents by a backup's (stop the app's workers first)."""
    target = _sqlite_path(engine)
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    _check(source)
    engine.dispose()
    with sqlite3.connect(source) as snapshot, sqlite3.connect(target) as live:
        snapshot.backup(live)


def _check(path: Path) -> None:
    try:
        with sqlite3.connect(path) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            tables = {r[0] for r in rows}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not an SQLite database ({error}).") from error
    if result != "ok" or "alembic_version" not in tables:
        raise BackupError(f"{path} is not a sound Tryggkartan database ({result}).")


@backup_cli.command("create")
@click.argument("target", type=click.Path(path_type=Path))
def create_command(target: Path) -> None:
    """Write a consistent copy of the database to TARGET (the app may keep running)."""
    pages = backup(get_engine(), target)
    click.echo(f"Backup written to {target} ({pages} pages).")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database by the backup SOURCE. Stop the app first."""
    if not yes:
        click.confirm("This replaces every row in the database. Go on?", abort=True)
    restore(get_engine(), source)
    click.echo(f"Database restored from {source}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_cli)
