"""Database wiring: the declarative base, the engine and one session per request.

One transaction per request (Indico's ``rh.py``): views take the request's session from
:func:`get_session`, services add and flush, never commit, and the request layer commits once,
after the view, when the answer is a success or a redirect (status below 400). A view that
raises, or answers 4xx/5xx, leaves nothing behind: the session is rolled back. A failing
commit becomes a 500 before any answer leaves. What must wait for the commit (a signal whose
listeners read in their own session, a queued job, files deleted) is handed to
:func:`after_commit`. The few places that still commit themselves are listed, with their
reasons, in tests/test_commits.py and docs/architecture.md.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import Flask, Response, current_app, g
from flask.cli import AppGroup
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

# Stable constraint names so that Alembic migrations read the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


# core.clock.LOCAL_ZONE; db sits below core and may not import it (tests/test_import_cycles).
_LOCAL_ZONE = ZoneInfo("Europe/Stockholm")


def sqlite_local_day(stored: str | None) -> str | None:
    """SQL function tk_local_day on SQLite: the Swedish date (ISO) of a stored UTC instant.

    PostgreSQL says the same with AT TIME ZONE; SQLite knows no zones, so the day roll-ups'
    triggers (feedback.rollups) call this on every connection the app opens.
    """
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored)
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(_LOCAL_ZONE).date().isoformat()


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "tryggkartan.sqlite")


# Every engine made here, so that a process forked from one that used them (gunicorn's
# workers, forked from the master that made the app) starts with empty pools: a connection
# shared by two processes mixes their statements on one socket or file handle.
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def _fresh_pools_after_fork() -> None:
    for engine in list(_ENGINES):
        engine.dispose(close=False)  # the parent still holds them: drop, do not close


os.register_at_fork(after_in_child=_fresh_pools_after_fork)


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout."""
    engine = _make_engine(url)
    _ENGINES.add(engine)
    return engine


def _make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets residents' writes and coordinators' reads proceed at the same time.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Read through the OS page cache instead of copying pages into SQLite's small
            # own cache: aggregates over a kommun's reports read 2-3x faster.
            cursor.execute("PRAGMA mmap_size=268435456")
            cursor.close()
            dbapi_connection.create_function(
                "tk_local_day", 1, sqlite_local_day, deterministic=True
            )

        return engine
    return create_engine(url, pool_pre_ping=True)


def include_object_for(dialect: str) -> Callable[..., bool]:
    """Alembic's include_object: leave out what the models create on another dialect only."""

    def include(obj: Any, _name: Any, _type: Any, _reflected: Any, _compare_to: Any) -> bool:
        only_on = getattr(obj, "_ddl_if", None)
        return only_on is None or only_on.dialect in (None, dialect)

    return include


def get_engine(app: Flask | None = None) -> Engine:
    app = app or current_app
    engine: Engine = app.extensions["tryggkartan.engine"]
    return engine


def get_session() -> Session:
    """The session of the current request (created on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["tryggkartan.sessionmaker"]()
    session: Session = g.db_session
    return session


_AFTER_COMMIT = "tryggkartan.after_commit"


def after_commit(session: Session, callback: Callable[[], object]) -> None:
    """Run callback once session's transaction has committed; forget it on a rollback.

    For what must not happen before the data is there for everyone: a signal whose listeners
    read in their own session, a job queued for a worker, files deleted for rows that go.
    The callback must not use session (it is between transactions then)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    """Each callback, in order. The data is committed: one that fails is logged and the
    others still run (a signal must not be lost to a file that could not be deleted), and
    the request answers as it would have (the periodic sweeps make up for a lost job)."""
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:
            log.exception("work after a commit failed; the commit stands")


@event.listens_for(Session, "after_rollback")
def _forget_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def _commit_at_the_boundary(response: Response) -> Response:
    """Commit what the request wrote if it succeeded; otherwise roll it back."""
    session: Session | None = g.get("db_session")
    if session is not None:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    return response


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


def init_app(app: Flask) -> None:
    url = app.config.get("DATABASE_URL") or default_database_url(app.instance_path)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app.config["DATABASE_URL"] = url
    engine = make_engine(url)
    app.extensions["tryggkartan.engine"] = engine
    app.extensions["tryggkartan.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.after_request(_commit_at_the_boundary)
    app.teardown_appcontext(_close_session)
    app.cli.add_command(db_cli)


# --- migrations -------------------------------------------------------------------------

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine, secret_key: str | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    # A migration that derives a value from the instance's key (0031: the public ids reports
    # already had) gets it here; without it, such values are made afresh.
    config.attributes["secret_key"] = secret_key
    return config


def upgrade(engine: Engine, revision: str = "head", *, secret_key: str | None = None) -> None:
    """Bring the schema up to a revision (head by default)."""
    from alembic import command

    command.upgrade(alembic_config(engine, secret_key), revision)


@click.group("db", cls=AppGroup)
def db_cli() -> None:
    """Manage the database schema."""


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Upgrade the schema to REVISION (default: head)."""
    upgrade(get_engine(), revision, secret_key=str(current_app.config["SECRET_KEY"]))
    click.echo(f"Database at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Downgrade the schema to REVISION."""
    from alembic import command

    command.downgrade(alembic_config(get_engine()), revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(alembic_config(get_engine()), message=message, autogenerate=True)


@db_cli.command("current")
def current_command() -> None:
    """Show the schema revision of the database."""
    from alembic import command

    command.current(alembic_config(get_engine()))


def database_url_from_env() -> str | None:
    return os.environ.get("DATABASE_URL") or None
