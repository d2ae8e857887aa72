"""Reports keep their local days; counts per day kept by triggers (feedback.rollups)

Revision ID: 0027_report_day_rollups
Revises: 0026_resident_report_photo
Create Date: 2026-12-01 06:20:00

report.created_day and report.counted_day are the Swedish days of created_at and of
coalesce(occurred_at, created_at), filled in batches in id order (flat memory at a million
reports), and kept by a trigger when either instant changes (PostgreSQL: AT TIME ZONE;
SQLite: the app's SQL function tk_local_day, see db.make_engine). The three roll-up tables
are filled from the reports, then triggers on report and report_reason keep them in step.
The report side runs BEFORE DELETE: a report's reasons are still there then, and the
reasons its deletion cascades to no longer find their report, so each is taken off once.
"""

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0027_report_day_rollups"
down_revision = "0026_resident_report_photo"
branch_labels = None
depends_on = None

BATCH = 20_000
LOCAL = ZoneInfo("Europe/Stockholm")

report = sa.table(
    "report",
    sa.column("id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("created_day", sa.Date),
    sa.column("counted_day", sa.Date),
)

DAY_KEY = (
    "kommun_id, day, kind, counted, source, status, at_day, at_evening, at_night, organisation"
)


def _local(moment):  # type: ignore[no-untyped-def]
    if moment.tzinfo is None:  # SQLite keeps no zone; stored instants are UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL).date()


def _backfill() -> None:
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(report.c.id, report.c.created_at, report.c.occurred_at)
            .where(report.c.id > last)
            .order_by(report.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            report.update()
            .where(report.c.id == sa.bindparam("b_id"))
            .values(created_day=sa.bindparam("b_created"), counted_day=sa.bindparam("b_counted")),
            [
                {
                    "b_id": r.id,
                    "b_created": _local(r.created_at),
                    "b_counted": _local(r.occurred_at or r.created_at),
                }
                for r in rows
            ],
        )
        last = rows[-1].id


def _monday(day: str, dialect: str) -> str:
    """SQL for the Monday of the week of a date column."""
    if dialect == "postgresql":
        return f"date_trunc('week', {day})::date"
    return f"date({day}, '-6 days', 'weekday 1')"


def _statements(r: str, sign: int, dialect: str) -> tuple[list[str], str]:
    """The upserts that add `sign` for the row `r` (NEW or OLD) to the roll-ups, and the
    one for its reasons (run before the report's row goes, see the module docstring)."""
    if dialect == "postgresql":
        counted = f"(NOT {r}.hidden AND {r}.merged_into_id IS NULL)"
    else:
        counted = f"({r}.hidden = 0 AND {r}.merged_into_id IS NULL)"
    kept = f"{r}.erasure_requested_at IS NULL"
    place = f"{kept} AND {r}.kind = 'otrygg' AND {counted}"
    day = (
        f"INSERT INTO report_day ({DAY_KEY}, n) SELECT {r}.kommun_id, {r}.counted_day,"
        f" {r}.kind, {counted}, {r}.source, {r}.status, {r}.at_day, {r}.at_evening,"
        f" {r}.at_night, coalesce({r}.organisation, ''), {sign} WHERE {kept}"
        f" ON CONFLICT ({DAY_KEY}) DO UPDATE SET n = report_day.n + excluded.n"
    )
    cell = (
        "INSERT INTO report_cell_week (kommun_id, week, cell_250, n)"
        f" SELECT {r}.kommun_id, {_monday(r + '.created_day', dialect)}, {r}.cell_250, {sign}"
        f" WHERE {place} AND {r}.cell_250 IS NOT NULL"
        " ON CONFLICT (kommun_id, week, cell_250) DO UPDATE SET n = report_cell_week.n + excluded.n"
    )
    reasons = (
        "INSERT INTO report_reason_day (kommun_id, day, code, n)"
        f" SELECT {r}.kommun_id, {r}.counted_day, rr.code, {sign} FROM report_reason rr"
        f" WHERE rr.report_id = {r}.id AND {place}"
        " ON CONFLICT (kommun_id, day, code) DO UPDATE SET n = report_reason_day.n + excluded.n"
    )
    return [day, cell], reasons


def _reason_statement(r: str, sign: int, dialect: str) -> str:
    """The upsert that adds `sign` for the reason row `r` if its report counts as a place."""
    hidden = "NOT rep.hidden" if dialect == "postgresql" else "rep.hidden = 0"
    return (
        "INSERT INTO report_reason_day (kommun_id, day, code, n)"
        f" SELECT rep.kommun_id, rep.counted_day, {r}.code, {sign} FROM report rep"
        f" WHERE rep.id = {r}.report_id AND rep.erasure_requested_at IS NULL"
        f" AND rep.kind = 'otrygg' AND {hidden} AND rep.merged_into_id IS NULL"
        " ON CONFLICT (kommun_id, day, code) DO UPDATE SET n = report_reason_day.n + excluded.n"
    )


# An update moves a report's counts only when one of these is set (created_at and
# occurred_at: on PostgreSQL the days follow them inside the same row's BEFORE trigger).
WATCHED = (
    "kommun_id, created_at, occurred_at, counted_day, created_day, kind, hidden,"
    " merged_into_id, erasure_requested_at, source, status, at_day, at_evening, at_night,"
    " organisation, cell_250"
)


def _sqlite_triggers() -> list[str]:
    def body(stmts: list[str]) -> str:
        return " ".join(s + ";" for s in stmts)

    new, new_reasons = _statements("NEW", 1, "sqlite")
    old, old_reasons = _statements("OLD", -1, "sqlite")
    return [
        "CREATE TRIGGER report_rollup_insert AFTER INSERT ON report"
        f" BEGIN {body([*new, new_reasons])} END",
        f"CREATE TRIGGER report_rollup_delete BEFORE DELETE ON report BEGIN {body(old)}"
        f" {body([old_reasons])} END",
        f"CREATE TRIGGER report_rollup_update AFTER UPDATE OF {WATCHED} ON report"
        f" BEGIN {body([*old, old_reasons, *new, new_reasons])} END",
        # A re-dated report (created_at or occurred_at set by any statement) moves its days;
        # tk_local_day is the app's SQL function (db.sqlite_local_day).
        "CREATE TRIGGER report_days_update AFTER UPDATE OF created_at, occurred_at ON report"
        " BEGIN UPDATE report SET created_day = tk_local_day(NEW.created_at),"
        " counted_day = tk_local_day(coalesce(NEW.occurred_at, NEW.created_at))"
        " WHERE id = NEW.id; END",
        "CREATE TRIGGER report_reason_rollup_insert AFTER INSERT ON report_reason"
        f" BEGIN {_reason_statement('NEW', 1, 'sqlite')}; END",
        "CREATE TRIGGER report_reason_rollup_delete AFTER DELETE ON report_reason"
        f" BEGIN {_reason_statement('OLD', -1, 'sqlite')}; END",
        "CREATE TRIGGER report_reason_rollup_update AFTER UPDATE ON report_reason"
        f" BEGIN {_reason_statement('OLD', -1, 'sqlite')};"
        f" {_reason_statement('NEW', 1, 'sqlite')}; END",
    ]


def _postgresql_triggers() -> list[str]:
    def body(stmts: list[str]) -> str:
        return " ".join(s + ";" for s in stmts)

    new, new_reasons = _statements("NEW", 1, "postgresql")
    old, old_reasons = _statements("OLD", -1, "postgresql")
    new_reason = _reason_statement("NEW", 1, "postgresql")
    old_reason = _reason_statement("OLD", -1, "postgresql")
    return [
        # The days of a report as it is written, whatever statement writes it.
        "CREATE FUNCTION report_days() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" NEW.created_day := (NEW.created_at AT TIME ZONE '{LOCAL.key}')::date;"
        f" NEW.counted_day := (coalesce(NEW.occurred_at, NEW.created_at)"
        f" AT TIME ZONE '{LOCAL.key}')::date; RETURN NEW; END $$",
        "CREATE TRIGGER report_days BEFORE INSERT OR UPDATE OF created_at, occurred_at"
        " ON report FOR EACH ROW EXECUTE FUNCTION report_days()",
        "CREATE FUNCTION report_rollup() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF TG_OP = 'DELETE' THEN {body([*old, old_reasons])} RETURN OLD; END IF;"
        f" IF TG_OP = 'UPDATE' THEN {body([*old, old_reasons])} END IF;"
        f" {body([*new, new_reasons])} RETURN NULL; END $$",
        "CREATE TRIGGER report_rollup_delete BEFORE DELETE ON report"
        " FOR EACH ROW EXECUTE FUNCTION report_rollup()",
        f"CREATE TRIGGER report_rollup AFTER INSERT OR UPDATE OF {WATCHED} ON report"
        " FOR EACH ROW EXECUTE FUNCTION report_rollup()",
        "CREATE FUNCTION report_reason_rollup() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF TG_OP IN ('DELETE', 'UPDATE') THEN {old_reason}; END IF;"
        f" IF TG_OP IN ('INSERT', 'UPDATE') THEN {new_reason}; END IF;"
        " RETURN NULL; END $$",
        "CREATE TRIGGER report_reason_rollup AFTER INSERT OR UPDATE OR DELETE ON report_reason"
        " FOR EACH ROW EXECUTE FUNCTION report_reason_rollup()",
    ]


def _fill(dialect: str) -> None:
    counted = (
        "(NOT hidden AND merged_into_id IS NULL)"
        if dialect == "postgresql"
        else "(hidden = 0 AND merged_into_id IS NULL)"
    )
    place = f"erasure_requested_at IS NULL AND kind = 'otrygg' AND {counted}"
    op.execute(
        f"INSERT INTO report_day ({DAY_KEY}, n) SELECT kommun_id, counted_day, kind, {counted},"
        " source, status, at_day, at_evening, at_night, coalesce(organisation, ''), count(*)"
        " FROM report WHERE erasure_requested_at IS NULL GROUP BY kommun_id, counted_day, kind,"
        f" {counted}, source, status, at_day, at_evening, at_night, coalesce(organisation, '')"
    )
    monday = _monday("created_day", dialect)
    op.execute(
        "INSERT INTO report_cell_week (kommun_id, week, cell_250, n)"
        f" SELECT kommun_id, {monday}, cell_250, count(*) FROM report"
        f" WHERE {place} AND cell_250 IS NOT NULL GROUP BY kommun_id, {monday}, cell_250"
    )
    op.execute(
        "INSERT INTO report_reason_day (kommun_id, day, code, n)"
        " SELECT kommun_id, counted_day, rr.code, count(*)"
        " FROM report_reason rr JOIN report ON report.id = rr.report_id"
        f" WHERE {place} GROUP BY kommun_id, counted_day, rr.code"
    )


def upgrade() -> None:
    # Plain ALTER TABLE, not batch mode (which would drop 0022's expression index on SQLite).
    op.add_column("report", sa.Column("created_day", sa.Date(), nullable=True))
    op.add_column("report", sa.Column("counted_day", sa.Date(), nullable=True))
    _backfill()

    def kommun_fk() -> sa.ForeignKey:
        return sa.ForeignKey("kommun.id", ondelete="CASCADE")

    op.create_table(
        "report_day",
        sa.Column("kommun_id", sa.Integer(), kommun_fk(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("at_day", sa.Boolean(), nullable=False),
        sa.Column("at_evening", sa.Boolean(), nullable=False),
        sa.Column("at_night", sa.Boolean(), nullable=False),
        sa.Column("organisation", sa.String(length=120), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*(c.strip() for c in DAY_KEY.split(",")), name="pk_report_day"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "report_reason_day",
        sa.Column("kommun_id", sa.Integer(), kommun_fk(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kommun_id", "day", "code", name="pk_report_reason_day"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "report_cell_week",
        sa.Column("kommun_id", sa.Integer(), kommun_fk(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("cell_250", sa.BigInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kommun_id", "week", "cell_250", name="pk_report_cell_week"),
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    _fill(dialect)
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER report_reason_rollup ON report_reason")
        op.execute("DROP TRIGGER report_rollup ON report")
        op.execute("DROP TRIGGER report_rollup_delete ON report")
        op.execute("DROP FUNCTION report_reason_rollup()")
        op.execute("DROP FUNCTION report_rollup()")
        op.execute("DROP TRIGGER report_days ON report")
        op.execute("DROP FUNCTION report_days()")
    else:
        for name in (
            "report_reason_rollup_update",
            "report_reason_rollup_delete",
            "report_reason_rollup_insert",
            "report_days_update",
            "report_rollup_update",
            "report_rollup_delete",
            "report_rollup_insert",
        ):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("report_cell_week")
    op.drop_table("report_reason_day")
    op.drop_table("report_day")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE report DROP COLUMN counted_day")
        op.execute("ALTER TABLE report DROP COLUMN created_day")
    else:
        op.drop_column("report", "counted_day")
        op.drop_column("report", "created_day")
