"""The schema comes from Alembic migrations: one head, upgradable from empty, same as the models."""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.exc import SAWarning

import db


def test_single_head():
    script = ScriptDirectory.from_config(db.alembic_config(engine=None))
    assert len(script.get_heads()) == 1


# Indexes on an expression, which SQLAlchemy cannot reflect (it says so and skips them):
# tests/test_counted_at_index.py proves each is there and used.
EXPRESSION_INDEXES = {"ix_report_kommun_counted_cover"}


@contextmanager
def expression_indexes_unreflected():
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        warnings.filterwarnings(
            "ignore", "autogenerate skipping metadata-specified expression-based index"
        )
        yield


def test_upgrade_from_empty(tmp_path):
    engine = db.make_engine("sqlite:///" + str(tmp_path / "empty.sqlite"))
    db.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"kommun", "landmark", "report", "report_reason", "alembic_version"} <= tables
    with engine.connect() as conn, expression_indexes_unreflected():
        context = MigrationContext.configure(conn, opts={"include_object": _ours("sqlite")})
        assert compare_metadata(context, db.Base.metadata) == []
    engine.dispose()


def _ours(dialect):
    """PostGIS brings tables of its own (spatial_ref_sys); they are not ours to compare. The
    expression indexes are compared by their own test, and indexes the models make on another
    dialect only are not expected here either."""
    on_dialect = db.include_object_for(dialect)

    def include(obj, name, type_, reflected, compare_to):
        if type_ == "index" and name in EXPRESSION_INDEXES:
            return False
        if type_ == "table" and reflected and name == "spatial_ref_sys":
            return False
        return on_dialect(obj, name, type_, reflected, compare_to)

    return include


def test_migrated_test_database_matches_models(app):
    """On the suite's own database (PostgreSQL in CI) the migrations give the models' schema."""
    with db.get_engine(app).connect() as conn, expression_indexes_unreflected():
        context = MigrationContext.configure(
            conn, opts={"include_object": _ours(conn.dialect.name)}
        )
        assert compare_metadata(context, db.Base.metadata) == []


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = db.make_engine("sqlite:///" + str(tmp_path / "wal.sqlite"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def _insert_vanersborg(conn) -> None:
    """The kommun row as the early migrations knew it (raw SQL: the models are newer)."""
    from sqlalchemy import text

    conn.execute(
        text(
            "INSERT INTO kommun (id, code, name, slug, boundary_geojson, min_lat, min_lon,"
            " max_lat, max_lon, active, created_at) VALUES (1, '1487', 'Vänersborg',"
            " 'vanersborg', '{}', 58, 12, 59, 13, 1, '2026-01-01')"
        )
    )


def test_upgrade_fills_in_the_grid_cell_of_existing_reports(tmp_path):
    """0015 computes report.cell_250 for reports made before it, in batches."""
    from sqlalchemy import text

    from geo.cells import cell_key

    engine = db.make_engine("sqlite:///" + str(tmp_path / "cells.sqlite"))
    db.upgrade(engine, "0014")
    with engine.begin() as conn:
        _insert_vanersborg(conn)
        for i, (lat, lon) in enumerate([(58.38065, 12.32265), (58.39, 12.30)], start=1):
            conn.execute(
                text(
                    "INSERT INTO report (id, kommun_id, receipt_code, kind, source, status, lat,"
                    " lon, location_method, at_day, at_evening, at_night, on_weekdays,"
                    " on_weekends, recurring, description, created_at, updated_at, hidden)"
                    " VALUES (:id, 1, :code, 'otrygg', 'online', 'ny', :lat, :lon, 'map',"
                    " 0, 0, 0, 0, 0, 0, '', '2026-01-01', '2026-01-01', 0)"
                ),
                {"id": i, "code": f"R{i}", "lat": lat, "lon": lon},
            )
    db.upgrade(engine)
    with engine.connect() as conn:
        got = dict(conn.execute(text("SELECT id, cell_250 FROM report")).all())
    assert got == {1: cell_key(58.38065, 12.32265), 2: cell_key(58.39, 12.30)}
    engine.dispose()


@pytest.mark.parametrize("secret", ["the-instance-key", None])
def test_upgrade_keeps_the_public_ids_reports_had(tmp_path, secret):
    """0031 stores the public ids Open311 derived from the key (an HMAC of the report id),
    so a request keeps its id; without the key (not through `flask db upgrade`) each report
    gets a random one. The first reason becomes the report's service."""
    import base64
    import hashlib
    import hmac

    from sqlalchemy import text

    engine = db.make_engine("sqlite:///" + str(tmp_path / "tokens.sqlite"))
    db.upgrade(engine, "0030_report_place_index")
    with engine.begin() as conn:
        _insert_vanersborg(conn)
        for i in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO report (id, kommun_id, receipt_code, kind, source, status, lat,"
                    " lon, location_method, at_day, at_evening, at_night, on_weekdays,"
                    " on_weekends, recurring, description, created_at, updated_at, hidden,"
                    " created_day, counted_day) VALUES (:id, 1, :code, 'otrygg', 'online', 'ny',"
                    " 58.38, 12.32, 'map', 0, 0, 0, 0, 0, 0, '', '2026-01-01', '2026-01-01', 0,"
                    " '2026-01-01', '2026-01-01')"
                ),
                {"id": i, "code": f"R{i}"},
            )
        conn.execute(
            text(
                "INSERT INTO report_reason (report_id, code) VALUES"
                " (1, 'place.dark'), (1, 'people.groups')"
            )
        )
    db.upgrade(engine, secret_key=secret)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, public_token, service_code FROM report")).all()
    engine.dispose()
    tokens = {i: token for i, token, _code in rows}
    assert {i: code for i, _token, code in rows} == {1: "people.groups", 2: None}
    for i, token in tokens.items():
        assert re.fullmatch(r"[a-z2-7]{16}", token)
        if secret is not None:
            digest = hmac.new(secret.encode(), f"public-request:{i}".encode(), hashlib.sha256)
            assert token == base64.b32encode(digest.digest()).decode()[:16].lower()
    assert tokens[1] != tokens[2]


def test_sqlite_reads_through_memory_mapping(tmp_path):
    engine = db.make_engine("sqlite:///" + str(tmp_path / "mmap.sqlite"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == 268435456
    engine.dispose()
