"""Reports per cell, service, status and week, kept by triggers: Open311's public list

Revision ID: 0032_report_service_week
Revises: 0031_report_public_request
Create Date: 2026-12-01 18:10:00

Open311 without a staff key lists a report when k reports of the past year share its 250 m
cell and its service. Counting those groups and their reports per day read the year's index
entries on every change of the kommun: 0.83 s at a million reports on SQLite. This table
holds the same counts per week (its Monday, from report.created_day), some 40,000 rows for a
million reports, kept by triggers on report whatever statement changes a report: a report
inserted, re-dated, moved, hidden, merged, closed, asked to be erased, given other reasons
(the service follows them, 0031) or deleted moves its count in the same transaction.

A page of the list reads a week's keys (public token, cell, service) in token order: they are
added to the created_at index (ix_report_kommun_created_cover) so that it reads them there,
not from 20,000 rows a week at a million reports (250 ms for a page of an old week).

The population: reports not asked to be erased, not hidden, not merged, with a cell and a
service (privacy.public's public requests, of every kind). On PostgreSQL a new report is added
at the commit, as 0029 does for the other roll-ups, so the row is locked only while the
transaction commits; the update and delete triggers take off and add the versions they see.
"""

import sqlalchemy as sa
from alembic import op

revision = "0032_report_service_week"
down_revision = "0031_report_public_request"
branch_labels = None
depends_on = None

KEY = "kommun_id, week, cell_250, service_code, status"
COVER = "ix_report_kommun_created_cover"
PERIOD = [
    "kommun_id",
    "created_at",
    "id",
    "kind",
    "hidden",
    "merged_into_id",
    "erasure_requested_at",
    "source",
    "status",
    "at_day",
    "at_evening",
    "at_night",
    "lat",
    "lon",
]
PUBLIC = ["public_token", "cell_250", "service_code"]
# An update moves a report's count only when one of these is set.
WATCHED = (
    "kommun_id, created_at, created_day, hidden, merged_into_id, erasure_requested_at,"
    " status, cell_250, service_code"
)


def _monday(day: str, dialect: str) -> str:
    """SQL for the Monday of the week of a date column (as 0027)."""
    if dialect == "postgresql":
        return f"date_trunc('week', {day})::date"
    return f"date({day}, '-6 days', 'weekday 1')"


def _add(r: str, sign: int, dialect: str) -> str:
    """The upsert that adds `sign` for the row `r` (NEW or OLD) if it is in the population."""
    hidden = f"NOT {r}.hidden" if dialect == "postgresql" else f"{r}.hidden = 0"
    return (
        f"INSERT INTO report_service_week ({KEY}, n)"
        f" SELECT {r}.kommun_id, {_monday(r + '.created_day', dialect)}, {r}.cell_250,"
        f" {r}.service_code, {r}.status, {sign}"
        f" WHERE {r}.erasure_requested_at IS NULL AND {hidden} AND {r}.merged_into_id IS NULL"
        f" AND {r}.cell_250 IS NOT NULL AND {r}.service_code IS NOT NULL"
        f" AND {r}.created_day IS NOT NULL"
        f" ON CONFLICT ({KEY}) DO UPDATE SET n = report_service_week.n + excluded.n"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index(COVER, table_name="report")
    op.create_index(COVER, "report", PERIOD + PUBLIC, unique=False)
    op.create_table(
        "report_service_week",
        sa.Column(
            "kommun_id",
            sa.Integer(),
            sa.ForeignKey("kommun.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("cell_250", sa.BigInteger(), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            *(c.strip() for c in KEY.split(",")), name="pk_report_service_week"
        ),
        sqlite_with_rowid=False,
    )
    monday = _monday("created_day", dialect)
    hidden = "NOT hidden" if dialect == "postgresql" else "hidden = 0"
    op.execute(
        f"INSERT INTO report_service_week ({KEY}, n)"
        f" SELECT kommun_id, {monday}, cell_250, service_code, status, count(*) FROM report"
        f" WHERE erasure_requested_at IS NULL AND {hidden} AND merged_into_id IS NULL"
        " AND cell_250 IS NOT NULL AND service_code IS NOT NULL AND created_day IS NOT NULL"
        f" GROUP BY kommun_id, {monday}, cell_250, service_code, status"
    )
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION report_service_week() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF TG_OP IN ('UPDATE', 'DELETE') THEN {_add('OLD', -1, dialect)}; END IF;"
            f" IF TG_OP IN ('UPDATE', 'INSERT') THEN {_add('NEW', 1, dialect)}; END IF;"
            " RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER report_service_week AFTER UPDATE OF {WATCHED} OR DELETE ON report"
            " FOR EACH ROW EXECUTE FUNCTION report_service_week()"
        )
        op.execute(
            "CREATE CONSTRAINT TRIGGER report_service_week_inserted AFTER INSERT ON report"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION report_service_week()"
        )
    else:
        op.execute(
            "CREATE TRIGGER report_service_week_insert AFTER INSERT ON report"
            f" BEGIN {_add('NEW', 1, dialect)}; END"
        )
        op.execute(
            "CREATE TRIGGER report_service_week_delete AFTER DELETE ON report"
            f" BEGIN {_add('OLD', -1, dialect)}; END"
        )
        op.execute(
            f"CREATE TRIGGER report_service_week_update AFTER UPDATE OF {WATCHED} ON report"
            f" BEGIN {_add('OLD', -1, dialect)}; {_add('NEW', 1, dialect)}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER report_service_week_inserted ON report")
        op.execute("DROP TRIGGER report_service_week ON report")
        op.execute("DROP FUNCTION report_service_week()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER report_service_week_{name}")
    op.drop_table("report_service_week")
    op.drop_index(COVER, table_name="report")
    op.create_index(COVER, "report", PERIOD, unique=False)
