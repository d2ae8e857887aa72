"""The schema comes from Alembic migrations: one head, upgradable from empty, same as the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import db


def test_single_head():
    script = ScriptDirectory.from_config(db.alembic_config(engine=None))
    assert len(script.get_heads()) == 1


def test_upgrade_from_empty(tmp_path):
    engine = db.make_engine("sqlite:///" + str(tmp_path / "empty.sqlite"))
    db.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"kommun", "landmark", "report", "report_reason", "alembic_version"} <= tables
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), db.Base.metadata) == []
    engine.dispose()


def test_migrated_test_database_matches_models(app):
    """On the suite's own database (PostgreSQL in CI) the migrations give the models' schema."""
    with db.get_engine(app).connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), db.Base.metadata) == []


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = db.make_engine("sqlite:///" + str(tmp_path / "wal.sqlite"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
