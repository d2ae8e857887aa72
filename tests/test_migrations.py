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


def _ours(obj, name, type_, reflected, compare_to):
    """PostGIS brings tables of its own (spatial_ref_sys); they are not ours to compare."""
    return not (type_ == "table" and reflected and name == "spatial_ref_sys")


def test_migrated_test_database_matches_models(app):
    """On the suite's own database (PostgreSQL in CI) the migrations give the models' schema."""
    with db.get_engine(app).connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _ours})
        assert compare_metadata(context, db.Base.metadata) == []


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = db.make_engine("sqlite:///" + str(tmp_path / "wal.sqlite"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
