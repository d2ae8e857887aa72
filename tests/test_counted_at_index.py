"""The lägesbild finds a period's reports by Report.counted_at through an index on the same
expression (migration 0022_scale_counted_index), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import func, insert, inspect, select, text

import db
from feedback.models import Report
from tests.towns import town_reports

INDEX = "ix_report_kommun_counted_cover"


def _plan(conn, query) -> str:
    compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
        return "\n".join(str(r[-1]) for r in rows)
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a few rows: make any index win
    return "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}").all())


def test_the_lagesbild_period_query_uses_the_counted_at_index(app, kommuner, session):
    # The shape of review.lagesbild's period counts: one kommun, counted_at in a window. With
    # reports in the table and its statistics taken: on an empty table every index of the
    # kommun costs the same, and which one the planner then takes says nothing. The window is
    # a week of the 300 days the reports span: given a fifth of them, PostgreSQL rightly read
    # them in status order instead and saved the sort.
    vanersborg = kommuner["Vänersborg"]
    session.execute(insert(Report), town_reports(vanersborg.id, 1, 2000, prefix="C"))
    session.commit()
    session.execute(
        text("ANALYZE report" if session.bind.dialect.name == "postgresql" else "ANALYZE")
    )
    session.commit()
    week_start = datetime.now(UTC) - timedelta(days=100)
    query = (
        select(Report.status, func.count())
        .where(
            Report.kommun_id == vanersborg.id,
            Report.counted_at >= week_start,
            Report.counted_at < week_start + timedelta(days=7),
        )
        .group_by(Report.status)
    )
    with db.get_engine(app).connect() as conn, conn.begin():
        plan = _plan(conn, query)
    assert INDEX in plan, plan


def test_the_migration_adds_and_removes_the_index(tmp_path):
    engine = db.make_engine("sqlite:///" + str(tmp_path / "index.sqlite"))
    db.upgrade(engine)

    def names() -> set[str]:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'report'")
            )
            return {r[0] for r in rows}

    assert INDEX in names()
    command.downgrade(db.alembic_config(engine), "0021_promise_dialogue_link")
    assert INDEX not in names()
    assert "report" in inspect(engine).get_table_names()
    db.upgrade(engine)
    assert INDEX in names()
    engine.dispose()
